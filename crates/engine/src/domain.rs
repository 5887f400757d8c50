//! Domain types returned by the engine: roles, states and the read models of each object.
//! Their string forms are stable API values.

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::domain::UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err($crate::domain::UnknownValue(other.to_owned())),
                }
            }
        }
    };
}

pub(crate) use string_enum;

/// A string that names no variant of the enum it was parsed as.
#[derive(Debug, thiserror::Error)]
#[error("unknown value `{0}`")]
pub struct UnknownValue(pub String);

string_enum!(
    /// What a staff member may do. `admin` may do everything.
    Role { Admin => "admin", Ops => "ops", Hr => "hr" }
);

string_enum!(
    /// Lifecycle of a vetting case.
    CaseStatus {
        Draft => "draft",
        Nominating => "nominating",
        Collecting => "collecting",
        Review => "review",
        Decided => "decided",
        Cancelled => "cancelled",
    }
);

string_enum!(
    /// Lifecycle of one reference request (one referee).
    ReferenceStatus {
        Pending => "pending",
        Invited => "invited",
        Opened => "opened",
        Completed => "completed",
        Declined => "declined",
        Expired => "expired",
        Bounced => "bounced",
        Withdrawn => "withdrawn",
    }
);

impl CaseStatus {
    /// States in which references may still be added.
    pub fn accepts_references(self) -> bool {
        matches!(self, Self::Draft | Self::Nominating | Self::Collecting)
    }
}

/// Parses an enum value read back from the database. An unknown value there means the
/// database was edited by hand or by a newer version: an error, never a panic.
pub(crate) fn stored<T: FromStr>(value: &str) -> Result<T, crate::EngineError> {
    value
        .parse()
        .map_err(|_| crate::EngineError::Corrupt(format!("unexpected stored value `{value}`")))
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Provider {
    pub id: Uuid,
    pub name: String,
    pub category: String,
    pub website: Option<String>,
    pub contact_name: String,
    pub contact_email: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReferenceRequest {
    pub id: Uuid,
    pub case_id: Uuid,
    pub name: String,
    pub email: String,
    pub company: String,
    pub relationship: String,
    /// `user:<id>` or `provider`.
    pub nominated_by: String,
    pub status: ReferenceStatus,
    pub reminders_sent: i32,
    pub invited_at: Option<DateTime<Utc>>,
    pub opened_at: Option<DateTime<Utc>>,
    pub responded_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VettingCase {
    pub id: Uuid,
    pub provider_id: Uuid,
    pub provider_name: String,
    pub owner_id: Uuid,
    pub title: String,
    pub template_id: Uuid,
    pub template_version: i32,
    pub min_responses: i32,
    pub deadline_days: i32,
    /// Set at launch: `deadline_days` after it.
    pub deadline_at: Option<DateTime<Utc>>,
    pub status: CaseStatus,
    pub launched_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub references: Vec<ReferenceRequest>,
    /// Number of references in each status (every status is present, zero included).
    pub counts: BTreeMap<String, u64>,
}
