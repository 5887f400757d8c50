//! The provisioning use cases. Every change runs in one transaction that ends with
//! `reconcile` for each user it touched: the role and access that follow from SCIM
//! `active` and the user's groups (through the one role mapping single sign-on uses), with
//! sessions ended and API tokens revoked in that same transaction when access ends, and
//! the last active admin kept.
//!
//! Refusals (404, 409, 400) are the provider's business, not the server's: they are
//! traced at info, not error.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use store::{ConnectionTrait, DatabaseTransaction, TransactionTrait};
use uuid::Uuid;

use super::filter::{self, Filter};
use super::patch;
use super::resource::{GroupInput, ScimGroup, ScimUser, UserInput};
use super::schema::{GROUP_ATTRS, USER_ATTRS};
use super::{MAX_RESULTS, ScimError};
use crate::audit::{self, Actor};
use crate::domain::Role;
use crate::store::scim::{self as rows, Narrow, StoredScimGroup, StoredScimUser};
use crate::store::users::{self, NewAccount, UserPatch};
use crate::{Engine, EngineError};

/// One page of a list.
pub struct Page<T> {
    pub total: u64,
    /// 1-based, as asked (at least 1).
    pub start_index: u64,
    pub items: Vec<T>,
}

/// `startIndex`/`count` (RFC 7644 §3.4.2.4): a start below 1 is 1, a negative count is 0,
/// and no page holds more than `MAX_RESULTS`.
fn window(start_index: Option<i64>, count: Option<i64>) -> (u64, u64) {
    let start = start_index.unwrap_or(1).max(1) as u64;
    let count = count.unwrap_or(100).clamp(0, MAX_RESULTS as i64) as u64;
    (start, count)
}

/// The filters the contract names, per resource; anything else is `invalidFilter`.
fn narrow(filter: Option<&str>, attrs: &[&str]) -> Result<Narrow, ScimError> {
    let Some(text) = filter.map(str::trim).filter(|f| !f.is_empty()) else {
        return Ok(Narrow::All);
    };
    let parsed: Filter =
        filter::parse(text).map_err(|e| ScimError::InvalidFilter(format!("{text}: {e}")))?;
    let unsupported = || {
        ScimError::InvalidFilter(format!(
            "only {} with eq and a string are supported",
            attrs.join(", ")
        ))
    };
    let Some((attr, value)) = parsed.equality() else {
        return Err(unsupported());
    };
    match attr.to_ascii_lowercase().as_str() {
        a if !attrs.iter().any(|x| x.eq_ignore_ascii_case(a)) => Err(unsupported()),
        "username" => Ok(Narrow::UserNameKey(value.to_lowercase())),
        "externalid" => Ok(Narrow::ExternalId(value.to_owned())),
        "displayname" => Ok(Narrow::DisplayNameKey(value.to_lowercase())),
        _ => Err(unsupported()),
    }
}

fn attributes_of(row: &StoredScimUser) -> Result<Map<String, Value>, EngineError> {
    serde_json::from_str(&row.attributes)
        .map_err(|e| EngineError::Corrupt(format!("scim_users.attributes: {e}")))
}

/// The email column of an account without an address: never an address (it has no `@`,
/// so no mail goes to it and no sign-in matches it), unique by the id.
fn no_address(id: Uuid) -> String {
    format!("scim:{id}")
}

pub use crate::services::Provisioning;

impl Provisioning<'_> {
    async fn scim_users_out(
        &self,
        conn: &impl ConnectionTrait,
        rows_: Vec<StoredScimUser>,
    ) -> Result<Vec<ScimUser>, ScimError> {
        let ids: Vec<Uuid> = rows_.iter().map(|r| r.user_id).collect();
        let mut groups = rows::groups_of(conn, &ids).await?;
        rows_
            .into_iter()
            .map(|r| {
                Ok(ScimUser {
                    id: r.user_id,
                    attributes: attributes_of(&r)?,
                    groups: groups.remove(&r.user_id).unwrap_or_default(),
                    user_name: r.user_name,
                    external_id: r.external_id,
                    active: r.active,
                    created_at: r.created_at,
                    updated_at: r.updated_at,
                })
            })
            .collect()
    }

    async fn scim_groups_out(
        &self,
        conn: &impl ConnectionTrait,
        rows_: Vec<StoredScimGroup>,
    ) -> Result<Vec<ScimGroup>, ScimError> {
        let ids: Vec<Uuid> = rows_.iter().map(|r| r.id).collect();
        let mut members = rows::members_of(conn, &ids).await?;
        Ok(rows_
            .into_iter()
            .map(|r| ScimGroup {
                id: r.id,
                members: members.remove(&r.id).unwrap_or_default(),
                display_name: r.display_name,
                external_id: r.external_id,
                created_at: r.created_at,
                updated_at: r.updated_at,
            })
            .collect())
    }

    pub async fn scim_user(&self, id: Uuid) -> Result<ScimUser, ScimError> {
        let row = rows::user(&self.db, id)
            .await?
            .ok_or(ScimError::NotFound("user"))?;
        Ok(self.scim_users_out(&self.db, vec![row]).await?.remove(0))
    }

    pub async fn scim_list_users(
        &self,
        filter: Option<&str>,
        start_index: Option<i64>,
        count: Option<i64>,
    ) -> Result<Page<ScimUser>, ScimError> {
        let narrow = narrow(filter, &["userName", "externalId"])?;
        let (start, count) = window(start_index, count);
        let (total, found) = rows::users(&self.db, &narrow, start - 1, count).await?;
        Ok(Page {
            total,
            start_index: start,
            items: self.scim_users_out(&self.db, found).await?,
        })
    }

    pub async fn scim_group(&self, id: Uuid) -> Result<ScimGroup, ScimError> {
        let row = rows::group(&self.db, id)
            .await?
            .ok_or(ScimError::NotFound("group"))?;
        Ok(self.scim_groups_out(&self.db, vec![row]).await?.remove(0))
    }

    pub async fn scim_list_groups(
        &self,
        filter: Option<&str>,
        start_index: Option<i64>,
        count: Option<i64>,
    ) -> Result<Page<ScimGroup>, ScimError> {
        let narrow = narrow(filter, &["displayName", "externalId"])?;
        let (start, count) = window(start_index, count);
        let (total, found) = rows::groups(&self.db, &narrow, start - 1, count).await?;
        Ok(Page {
            total,
            start_index: start,
            items: self.scim_groups_out(&self.db, found).await?,
        })
    }

    /// Provisions a user. An existing account with the same email that is neither
    /// provisioned nor break-glass is taken over (the provider now manages it); its role
    /// and access then follow its groups like anyone's.
    #[tracing::instrument(skip_all, err(level = "info"))]
    pub async fn scim_create_user(&self, input: UserInput) -> Result<ScimUser, ScimError> {
        let now = self.now();
        let txn = self.db.begin().await.map_err(EngineError::from)?;
        let key = input.user_name.to_lowercase();
        if rows::user_by_key(&txn, &key).await?.is_some() {
            return Err(ScimError::Uniqueness(
                "a user with this userName exists".into(),
            ));
        }
        let email = input.email();
        let existing = match &email {
            Some(email) => users::by_email(&txn, email).await?,
            None => None,
        };
        let id = match existing {
            Some(account) => {
                if rows::user(&txn, account.user.id).await?.is_some() {
                    return Err(ScimError::Uniqueness(
                        "another provisioned user has this email".into(),
                    ));
                }
                if account.break_glass {
                    return Err(ScimError::Uniqueness(
                        "this email belongs to a break-glass account, which stays local".into(),
                    ));
                }
                let patch = UserPatch {
                    name: Some(input.display_name()),
                    updated_at: Some(now),
                    ..UserPatch::default()
                };
                users::update(&txn, account.user.id, patch).await?;
                account.user.id
            }
            None => {
                let id = Uuid::now_v7();
                // No access until a mapped group gives a role: least privilege meanwhile.
                let new = NewAccount {
                    id,
                    email: email.clone().unwrap_or_else(|| no_address(id)),
                    name: input.display_name(),
                    role: Role::Hr,
                    password_hash: None,
                    active: false,
                };
                users::insert(&txn, new, now).await?;
                id
            }
        };
        rows::save_user(&txn, self.scim_row(id, &input, now, now)?, true).await?;
        audit::record(
            &txn,
            None,
            None,
            &Actor::IdentityProvider,
            "user.provisioned",
            serde_json::json!({ "user_id": id }),
            now,
        )
        .await?;
        self.reconcile(&txn, &[id], now).await?;
        let out = self
            .scim_users_out(&txn, vec![rows::user(&txn, id).await?.expect("saved")])
            .await?;
        txn.commit().await.map_err(EngineError::from)?;
        Ok(out.into_iter().next().expect("one"))
    }

    fn scim_row(
        &self,
        id: Uuid,
        input: &UserInput,
        created_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<StoredScimUser, ScimError> {
        Ok(StoredScimUser {
            user_id: id,
            user_name: input.user_name.clone(),
            user_name_key: input.user_name.to_lowercase(),
            external_id: input.external_id.clone(),
            active: input.active,
            attributes: serde_json::to_string(&input.attributes)
                .map_err(|e| EngineError::Internal(e.to_string()))?,
            created_at,
            updated_at: now,
        })
    }

    /// Replaces a user's attributes (PUT).
    #[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
    pub async fn scim_replace_user(
        &self,
        id: Uuid,
        input: UserInput,
    ) -> Result<ScimUser, ScimError> {
        let txn = self.db.begin().await.map_err(EngineError::from)?;
        let out = self.replace_user_in(&txn, id, input).await?;
        txn.commit().await.map_err(EngineError::from)?;
        Ok(out)
    }

    /// Applies a PatchOp body to a user.
    #[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
    pub async fn scim_patch_user(&self, id: Uuid, body: &Value) -> Result<ScimUser, ScimError> {
        let txn = self.db.begin().await.map_err(EngineError::from)?;
        let row = rows::user_locked(&txn, id)
            .await?
            .ok_or(ScimError::NotFound("user"))?;
        let current = self.scim_users_out(&txn, vec![row]).await?.remove(0);
        let patched = patch::apply(USER_ATTRS, current.attributes(), body)?;
        let out = self
            .replace_user_in(&txn, id, UserInput::from_attributes(patched)?)
            .await?;
        txn.commit().await.map_err(EngineError::from)?;
        Ok(out)
    }

    async fn replace_user_in(
        &self,
        txn: &DatabaseTransaction,
        id: Uuid,
        input: UserInput,
    ) -> Result<ScimUser, ScimError> {
        let now = self.now();
        let row = rows::user_locked(txn, id)
            .await?
            .ok_or(ScimError::NotFound("user"))?;
        let key = input.user_name.to_lowercase();
        if key != row.user_name_key && rows::user_by_key(txn, &key).await?.is_some() {
            return Err(ScimError::Uniqueness(
                "a user with this userName exists".into(),
            ));
        }
        let account = users::find(txn, id)
            .await?
            .ok_or(ScimError::NotFound("user"))?
            .user;
        let email = input.email().unwrap_or_else(|| no_address(id));
        if email != account.email && users::by_email(txn, &email).await?.is_some() {
            return Err(ScimError::Uniqueness(
                "another account has this email".into(),
            ));
        }
        let name = input.display_name();
        if email != account.email || name != account.name {
            let patch = UserPatch {
                email: Some(email),
                name: Some(name),
                updated_at: Some(now),
                ..UserPatch::default()
            };
            users::update(txn, id, patch).await?;
        }
        rows::save_user(txn, self.scim_row(id, &input, row.created_at, now)?, false).await?;
        self.reconcile(txn, &[id], now).await?;
        let row = rows::user(txn, id).await?.expect("saved");
        Ok(self.scim_users_out(txn, vec![row]).await?.remove(0))
    }

    /// Deprovisions a user: the provider no longer manages the account, which keeps its
    /// history but has no access (sessions ended, API tokens revoked).
    #[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
    pub async fn scim_delete_user(&self, id: Uuid) -> Result<(), ScimError> {
        let now = self.now();
        let txn = self.db.begin().await.map_err(EngineError::from)?;
        let mut row = rows::user_locked(&txn, id)
            .await?
            .ok_or(ScimError::NotFound("user"))?;
        // Reconciled as inactive first, so the last-admin rule and the ending of access
        // are the same as for `active: false`.
        row.active = false;
        rows::save_user(&txn, row, false).await?;
        self.reconcile(&txn, &[id], now).await?;
        rows::delete_user(&txn, id).await?;
        audit::record(
            &txn,
            None,
            None,
            &Actor::IdentityProvider,
            "user.deleted_by_provider",
            serde_json::json!({ "user_id": id }),
            now,
        )
        .await?;
        txn.commit().await.map_err(EngineError::from)?;
        Ok(())
    }

    #[tracing::instrument(skip_all, err(level = "info"))]
    pub async fn scim_create_group(&self, input: GroupInput) -> Result<ScimGroup, ScimError> {
        let now = self.now();
        let txn = self.db.begin().await.map_err(EngineError::from)?;
        let id = Uuid::now_v7();
        self.check_members(&txn, &input.members).await?;
        rows::save_group(
            &txn,
            StoredScimGroup {
                id,
                display_name_key: input.display_name.to_lowercase(),
                display_name: input.display_name.clone(),
                external_id: input.external_id.clone(),
                created_at: now,
                updated_at: now,
            },
            true,
        )
        .await?;
        rows::set_members(&txn, id, &input.members).await?;
        audit::record(
            &txn,
            None,
            None,
            &Actor::IdentityProvider,
            "group.provisioned",
            serde_json::json!({ "group_id": id, "display_name": input.display_name }),
            now,
        )
        .await?;
        self.reconcile(&txn, &input.members, now).await?;
        let row = rows::group(&txn, id).await?.expect("saved");
        let out = self.scim_groups_out(&txn, vec![row]).await?.remove(0);
        txn.commit().await.map_err(EngineError::from)?;
        Ok(out)
    }

    #[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
    pub async fn scim_replace_group(
        &self,
        id: Uuid,
        input: GroupInput,
    ) -> Result<ScimGroup, ScimError> {
        let txn = self.db.begin().await.map_err(EngineError::from)?;
        let out = self.replace_group_in(&txn, id, input).await?;
        txn.commit().await.map_err(EngineError::from)?;
        Ok(out)
    }

    #[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
    pub async fn scim_patch_group(&self, id: Uuid, body: &Value) -> Result<ScimGroup, ScimError> {
        let txn = self.db.begin().await.map_err(EngineError::from)?;
        let row = rows::group_locked(&txn, id)
            .await?
            .ok_or(ScimError::NotFound("group"))?;
        let current = self.scim_groups_out(&txn, vec![row]).await?.remove(0);
        let patched = patch::apply(GROUP_ATTRS, current.attributes(), body)?;
        let out = self
            .replace_group_in(&txn, id, GroupInput::from_attributes(patched)?)
            .await?;
        txn.commit().await.map_err(EngineError::from)?;
        Ok(out)
    }

    async fn replace_group_in(
        &self,
        txn: &DatabaseTransaction,
        id: Uuid,
        input: GroupInput,
    ) -> Result<ScimGroup, ScimError> {
        let now = self.now();
        let mut row = rows::group_locked(txn, id)
            .await?
            .ok_or(ScimError::NotFound("group"))?;
        self.check_members(txn, &input.members).await?;
        let before: Vec<Uuid> = rows::members_of(txn, &[id])
            .await?
            .remove(&id)
            .unwrap_or_default()
            .into_iter()
            .map(|(u, _)| u)
            .collect();
        let renamed = row.display_name != input.display_name;
        row.display_name_key = input.display_name.to_lowercase();
        row.display_name = input.display_name.clone();
        row.external_id = input.external_id.clone();
        row.updated_at = now;
        rows::save_group(txn, row, false).await?;
        rows::set_members(txn, id, &input.members).await?;
        let added: Vec<Uuid> = input
            .members
            .iter()
            .filter(|m| !before.contains(m))
            .copied()
            .collect();
        let removed: Vec<Uuid> = before
            .iter()
            .filter(|m| !input.members.contains(m))
            .copied()
            .collect();
        if renamed || !added.is_empty() || !removed.is_empty() {
            audit::record(
                txn,
                None,
                None,
                &Actor::IdentityProvider,
                "group.changed",
                serde_json::json!({
                    "group_id": id,
                    "display_name": input.display_name,
                    "added": added,
                    "removed": removed,
                }),
                now,
            )
            .await?;
        }
        let mut touched = before;
        touched.extend(added);
        self.reconcile(txn, &touched, now).await?;
        let row = rows::group(txn, id).await?.expect("saved");
        Ok(self.scim_groups_out(txn, vec![row]).await?.remove(0))
    }

    #[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
    pub async fn scim_delete_group(&self, id: Uuid) -> Result<(), ScimError> {
        let now = self.now();
        let txn = self.db.begin().await.map_err(EngineError::from)?;
        let row = rows::group_locked(&txn, id)
            .await?
            .ok_or(ScimError::NotFound("group"))?;
        let members: Vec<Uuid> = rows::members_of(&txn, &[id])
            .await?
            .remove(&id)
            .unwrap_or_default()
            .into_iter()
            .map(|(u, _)| u)
            .collect();
        rows::delete_group(&txn, id).await?;
        audit::record(
            &txn,
            None,
            None,
            &Actor::IdentityProvider,
            "group.deleted",
            serde_json::json!({ "group_id": id, "display_name": row.display_name }),
            now,
        )
        .await?;
        self.reconcile(&txn, &members, now).await?;
        txn.commit().await.map_err(EngineError::from)?;
        Ok(())
    }

    /// Members must be provisioned users (no nested groups, no local accounts).
    async fn check_members(
        &self,
        txn: &DatabaseTransaction,
        members: &[Uuid],
    ) -> Result<(), ScimError> {
        let found = rows::existing_users(txn, members).await?;
        match members.iter().find(|m| !found.contains(m)) {
            Some(missing) => Err(ScimError::InvalidValue(format!(
                "members: {missing} is not a provisioned user"
            ))),
            None => Ok(()),
        }
    }

    /// Brings each provisioned user's account in line with SCIM `active` and their
    /// groups: the mapped role, and access only with one. Ending access ends the user's
    /// sessions and revokes their API tokens here, in the caller's transaction; leaving
    /// no active admin is refused.
    async fn reconcile(
        &self,
        txn: &DatabaseTransaction,
        user_ids: &[Uuid],
        now: DateTime<Utc>,
    ) -> Result<(), ScimError> {
        let mapping = self.auth.scim_role_mapping();
        let mut groups = rows::groups_of(txn, user_ids).await?;
        for id in user_ids {
            let Some(scim) = rows::user(txn, *id).await? else {
                continue;
            };
            let account = users::find(txn, *id)
                .await?
                .ok_or(ScimError::NotFound("user"))?
                .user;
            let names: Vec<String> = groups
                .remove(id)
                .unwrap_or_default()
                .into_iter()
                .map(|(_, n)| n)
                .collect();
            let mapped = mapping.role_of(&names);
            let active = scim.active && mapped.is_some();
            let role = mapped.unwrap_or(account.role);
            if account.active == active && account.role == role {
                continue;
            }
            let was_admin = account.active && account.role == Role::Admin;
            if was_admin && !(active && role == Role::Admin) {
                // Locked in id order, like `change_user`, so two of these never both
                // count the other and leave no admin.
                let admins = users::lock_active_admins(txn).await?;
                if admins.iter().filter(|a| *a != id).count() == 0 {
                    return Err(ScimError::Conflict(
                        "this is the last active admin; make someone else admin (or keep a break-glass admin) first".into(),
                    ));
                }
            }
            if account.active && !active {
                self.end_sessions_of(txn, *id).await?;
                let tokens = rows::revoke_api_tokens_of(txn, *id, now).await?;
                let reason = if !scim.active {
                    "inactive"
                } else {
                    "no_mapped_group"
                };
                audit::record(
                    txn,
                    None,
                    None,
                    &Actor::IdentityProvider,
                    "user.deprovisioned",
                    serde_json::json!({ "user_id": id, "reason": reason, "api_tokens_revoked": tokens }),
                    now,
                )
                .await?;
            } else if !account.active && active {
                audit::record(
                    txn,
                    None,
                    None,
                    &Actor::IdentityProvider,
                    "user.reactivated",
                    serde_json::json!({ "user_id": id }),
                    now,
                )
                .await?;
            }
            if account.role != role {
                audit::record(
                    txn,
                    None,
                    None,
                    &Actor::IdentityProvider,
                    "user.role_changed",
                    serde_json::json!({ "user_id": id, "from": account.role, "to": role, "source": "scim" }),
                    now,
                )
                .await?;
            }
            let mut patch = UserPatch {
                active: Some(active),
                role: Some(role),
                updated_at: Some(now),
                ..UserPatch::default()
            };
            if active {
                patch.failed_logins = Some(0);
                patch.locked_until = Some(None);
            }
            users::update(txn, *id, patch).await?;
        }
        Ok(())
    }
}

/// What the rest of the engine asks of provisioning.
impl Engine {
    /// The SCIM `active` of a provisioned account (`None`: not provisioned).
    pub(crate) async fn scim_active(
        &self,
        conn: &impl ConnectionTrait,
        user_id: Uuid,
    ) -> Result<Option<bool>, EngineError> {
        Ok(rows::user(conn, user_id).await?.map(|r| r.active))
    }
}

impl crate::services::Accounts<'_> {
    /// Whether the account is managed by the identity provider (its role and access then
    /// come from SCIM only).
    pub async fn is_provisioned(&self, user_id: Uuid) -> Result<bool, EngineError> {
        Ok(rows::user(&self.db, user_id).await?.is_some())
    }
}
