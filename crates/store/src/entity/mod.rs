//! sea-orm entities, one module per table. The schema itself is owned by the `migration`
//! crate; these structs only mirror it.

pub mod answer;
pub mod api_token;
pub mod audit_event;
pub mod decision;
pub mod email_log;
pub mod engagement;
pub mod idempotency_key;
pub mod job;
pub mod login_device;
pub mod nomination;
pub mod opt_out;
pub mod profile_dimension;
pub mod provider;
pub mod reference_request;
pub mod reference_token;
pub mod response;
pub mod scim_group;
pub mod scim_group_member;
pub mod scim_token;
pub mod scim_user;
pub mod self_assessment;
pub mod server_secret;
pub mod session;
pub mod setup_token;
pub mod stakeholder;
pub mod template;
pub mod template_version;
pub mod user;
pub mod user_identity;
pub mod vetting_case;
pub mod webhook_delivery;
pub mod webhook_endpoint;
