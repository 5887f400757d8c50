//! SCIM 2.0 provisioning (RFC 7643/7644): the identity provider creates, changes and
//! removes staff accounts and groups, and a person's role follows their groups through
//! the same mapping single sign-on uses.
//!
//! - `schema`: the attributes supported, which the discovery endpoints describe and
//!   every body is read against (so nothing is advertised that answers an error).
//! - `filter`: the filter grammar; `patch`: PATCH operations on a resource's JSON.
//! - `provision`: the use cases (rules: role mapping, deprovisioning, the last admin).
//! - `tokens`: the provider's bearer tokens.
//!
//! Rows are read and written in `store::scim`.

pub mod filter;
pub mod patch;
pub mod provision;
pub mod resource;
pub mod schema;
pub mod tokens;

use crate::EngineError;

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// Most resources one list answer holds (advertised as `filter.maxResults`).
pub const MAX_RESULTS: u64 = 200;

/// Why a SCIM request failed. The API maps each to a status and RFC 7644 §3.12
/// `scimType` in one place.
#[derive(Debug, thiserror::Error)]
pub enum ScimError {
    #[error("{0}")]
    InvalidFilter(String),
    #[error("{0}")]
    InvalidPath(String),
    #[error("{0}")]
    InvalidValue(String),
    #[error("{0}")]
    InvalidSyntax(String),
    #[error("{0}")]
    NoTarget(String),
    #[error("{0}")]
    Mutability(String),
    #[error("{0}")]
    Uniqueness(String),
    /// A rule forbids the change (the last active admin).
    #[error("{0}")]
    Conflict(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error(transparent)]
    Engine(#[from] EngineError),
}

impl From<store::StoreError> for ScimError {
    fn from(e: store::StoreError) -> Self {
        ScimError::Engine(e.into())
    }
}
