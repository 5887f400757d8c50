//! `opt_outs` rows, and the key they are hashed with (`server_secrets`). The list holds
//! HMAC-SHA256(key, normalised address), never the address: a copy of the table alone
//! does not say who opted out, and the list can still answer "is this address on it?".

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, EntityTrait};

use crate::StoreError;
use crate::domain::normalize_email;
use crate::entity::opt_out;
use crate::secrets::hmac_sha256_hex;

const KEY_NAME: &str = "opt_out_key";

/// The list's form of an address.
pub async fn address_hash(
    conn: &impl ConnectionTrait,
    email: &str,
    now: DateTime<Utc>,
) -> Result<String, StoreError> {
    let key = super::sessions::server_secret(conn, KEY_NAME, now).await?;
    Ok(hmac_sha256_hex(
        key.as_bytes(),
        normalize_email(email).as_bytes(),
    ))
}

/// Whether `email` asked never to be asked again.
pub async fn contains(
    conn: &impl ConnectionTrait,
    email: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let hash = address_hash(conn, email, now).await?;
    Ok(opt_out::Entity::find_by_id(hash).one(conn).await?.is_some())
}

/// Puts `email` on the list; false when it already was.
pub async fn insert(
    conn: &impl ConnectionTrait,
    email: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let hash = address_hash(conn, email, now).await?;
    let inserted = opt_out::Entity::insert(opt_out::ActiveModel {
        address_hash: sea_orm::Set(hash),
        created_at: sea_orm::Set(now),
    })
    .on_conflict(
        OnConflict::column(opt_out::Column::AddressHash)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(inserted == 1)
}
