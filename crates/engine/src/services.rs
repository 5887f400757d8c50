//! The engine's services, one per area. Each is borrowed from the [`Engine`] by the
//! accessor of its name (`engine.cases()`, `engine.links()`, …), so a handler names the
//! area it uses and no type carries every use case. A service reads the engine's shared
//! parts (store, clock, settings, mailer, catalogue) through `Deref`; what it adds is the
//! public surface of its area.

use crate::Engine;

macro_rules! services {
    ($($(#[$doc:meta])* $name:ident => $accessor:ident;)+) => {
        $(
            $(#[$doc])*
            #[derive(Clone, Copy)]
            pub struct $name<'a> {
                engine: &'a Engine,
            }

            impl std::ops::Deref for $name<'_> {
                type Target = Engine;

                fn deref(&self) -> &Engine {
                    self.engine
                }
            }
        )+

        impl Engine {
            $(
                pub fn $accessor(&self) -> $name<'_> {
                    $name { engine: self }
                }
            )+
        }
    };
}

services! {
    /// Vetting cases from opening to decision: providers, cases, references, the
    /// workflow's transitions, the audit timeline and the emails sent.
    Cases => cases;
    /// The token links people answer without an account: referee questionnaires,
    /// self-assessments, nominations and opt-outs.
    Links => links;
    /// What staff read once a case is released: reports, CSV, insights, history.
    Reports => reports;
    /// Engagements after an approval: stakeholders, pulses, calibration.
    Engagements => engagements;
    /// Questionnaire templates and the company's values profile.
    Questionnaires => questionnaires;
    /// Webhook endpoints and their deliveries.
    Webhooks => webhooks;
    /// Legal holds, retention, erasure and subject access.
    Privacy => privacy;
    /// The job queue as an admin sees it: list, health, retry.
    Jobs => jobs;
    /// Idempotency-Key answers kept for replays.
    Idempotency => idempotency;
    /// Staff accounts: users and their roles, API tokens, sessions, sign-in with a
    /// password or single sign-on, and first-run setup.
    Accounts => accounts;
    /// Provisioning over SCIM.
    Provisioning => provisioning;
}
