//! Staff sign-in through the company's OpenID Connect provider (`[auth.oidc]`): the
//! authorization code flow with PKCE (S256), `state` and `nonce`, written out here on the
//! reqwest client the engine already has, with RS256 ID tokens checked by `ring` (already
//! in the tree through rustls).
//!
//! - `oidc_start` makes the flow's secrets (state, nonce, PKCE verifier) and returns the
//!   provider's authorization URL and a cookie holding them, signed with a server key so
//!   nobody can plant their own; the cookie binds the flow to the browser that began it.
//! - `oidc_finish` checks the returned `state` against that cookie, redeems the code at
//!   the token endpoint (with the verifier), verifies the ID token (signature by a key of
//!   the provider's key set, issuer, audience, expiry, nonce), and resolves the person:
//!   by (issuer, subject); else, once, by a *verified* email of an existing account (never
//!   silently an admin's); else a new account when `allow_signup`. The role comes from
//!   the role claim at every sign-in; a change is an audit event.
//!
//! The discovery document and key set are cached for `cache_seconds`; a token signed by a
//! key not in the cached set makes one fresh fetch of the set (the provider rotated keys).
//! Nothing here logs a token, a code or a claim value.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration as StdDuration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::audit::{self, Actor};
use crate::credentials::{hmac_sha256, new_token};
use crate::domain::{Role, User};
use crate::sessions::Session;
use crate::settings::OidcSettings;
use crate::store::identities;
use crate::store::sessions::server_secret;
use crate::store::users::{self, NewAccount, UserPatch};
use crate::users::normalize_email;
use crate::{Engine, EngineError};

/// How long a started sign-in may take at the provider.
const FLOW_SECONDS: i64 = 600;
/// Clock difference tolerated between us and the provider.
const LEEWAY_SECONDS: i64 = 60;
const STATE_KEY: &str = "oidc_state_key";

/// Why a single sign-on did not end in a session. Each is shown as a page that says what
/// to do; the details of a refused token go to the log, not to the browser.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("single sign-on is not configured")]
    NotConfigured,
    #[error("the sign-in was not started in this browser, or took too long")]
    StateMismatch,
    #[error("the identity provider cannot be reached: {0}")]
    ProviderUnavailable(String),
    #[error("the identity provider refused the sign-in: {0}")]
    ProviderRefused(String),
    #[error("the ID token is not valid: {0}")]
    InvalidToken(String),
    #[error("the identity carries no Vouch role")]
    NoRole,
    #[error("no Vouch account for this identity, and sign-up is off")]
    NoAccount,
    #[error("an account has this email, but the provider did not verify the email")]
    UnverifiedEmail,
    #[error("an admin account is never linked automatically")]
    AdminLinkRefused,
    #[error("the account is deactivated")]
    Deactivated,
    #[error(transparent)]
    Engine(#[from] EngineError),
}

impl From<store::StoreError> for OidcError {
    fn from(e: store::StoreError) -> Self {
        OidcError::Engine(e.into())
    }
}

#[derive(Clone, Debug, Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
    #[serde(default)]
    end_session_endpoint: Option<String>,
    #[serde(default)]
    token_endpoint_auth_methods_supported: Option<Vec<String>>,
}

#[derive(Clone, Debug, Deserialize)]
struct KeySet {
    keys: Vec<Jwk>,
}

#[derive(Clone, Debug, Deserialize)]
struct Jwk {
    kty: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default, rename = "use")]
    usage: Option<String>,
    #[serde(default)]
    n: Option<String>,
    #[serde(default)]
    e: Option<String>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    id_token: Option<String>,
}

#[derive(Deserialize)]
struct JwtHeader {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
}

/// What the flow cookie carries between the start and the callback.
#[derive(Serialize, Deserialize)]
struct Flow {
    state: String,
    nonce: String,
    verifier: String,
    next: String,
    started: i64,
}

/// The provider's documents, fetched on first use and cached.
pub struct OidcClient {
    settings: OidcSettings,
    http: OnceLock<reqwest::Client>,
    discovery: Mutex<Option<(Arc<Discovery>, Instant)>>,
    keys: Mutex<Option<(Arc<KeySet>, Instant)>>,
}

/// Where to send the browser, and the flow cookie to set on the way.
pub struct OidcStart {
    pub location: String,
    pub cookie: String,
}

/// A session opened by single sign-on, and the page to go to.
pub struct OidcSignIn {
    pub token: String,
    pub session: Session,
    pub next: String,
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn unb64(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')).ok()
}

fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The PKCE S256 challenge of a verifier (RFC 7636 §4.2).
fn pkce_challenge(verifier: &str) -> String {
    b64(&Sha256::digest(verifier.as_bytes()))
}

/// The claim at `path`: the whole path as one name first (claims named by URLs contain
/// dots), else the dotted path into nested objects.
fn claim_at<'a>(claims: &'a Value, path: &str) -> Option<&'a Value> {
    if let Some(v) = claims.get(path) {
        return Some(v);
    }
    path.split('.').try_fold(claims, |v, part| v.get(part))
}

/// A claim's values as strings: one string, or the strings of a list.
fn claim_values(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

/// The role the claims give, through the same mapping provisioned groups use.
pub fn role_from_claims(claims: &Value, settings: &OidcSettings) -> Option<Role> {
    let values = claim_values(claim_at(claims, &settings.role_claim));
    settings.role_mapping().role_of(&values)
}

/// `email_verified` is a boolean by the standard; some providers send the string.
fn email_verified(claims: &Value) -> bool {
    match claims.get("email_verified") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "true",
        _ => false,
    }
}

fn issuer_matches(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

impl OidcClient {
    pub fn new(settings: OidcSettings) -> Self {
        Self {
            settings,
            http: OnceLock::new(),
            discovery: Mutex::new(None),
            keys: Mutex::new(None),
        }
    }

    pub fn settings(&self) -> &OidcSettings {
        &self.settings
    }

    fn http(&self) -> Result<&reqwest::Client, OidcError> {
        if let Some(client) = self.http.get() {
            return Ok(client);
        }
        crate::webhooks::install_crypto_provider();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(StdDuration::from_secs(self.settings.timeout_seconds.max(1)))
            .user_agent(concat!("Vouch/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                OidcError::Engine(EngineError::Internal(format!("the OIDC HTTP client: {e}")))
            })?;
        Ok(self.http.get_or_init(|| client))
    }

    fn fresh(&self, fetched: Instant) -> bool {
        fetched.elapsed() < StdDuration::from_secs(self.settings.cache_seconds)
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, OidcError> {
        let res = self
            .http()?
            .get(url)
            .send()
            .await
            .map_err(|e| OidcError::ProviderUnavailable(e.without_url().to_string()))?;
        if !res.status().is_success() {
            return Err(OidcError::ProviderUnavailable(format!(
                "{url} answered {}",
                res.status()
            )));
        }
        res.json()
            .await
            .map_err(|e| OidcError::ProviderUnavailable(format!("{url}: {}", e.without_url())))
    }

    async fn discovery(&self) -> Result<Arc<Discovery>, OidcError> {
        if let Some((doc, at)) = self.discovery.lock().expect("lock").clone()
            && self.fresh(at)
        {
            return Ok(doc);
        }
        let issuer = self.settings.issuer.trim_end_matches('/');
        let doc: Discovery = self
            .get_json(&format!("{issuer}/.well-known/openid-configuration"))
            .await?;
        if !issuer_matches(&doc.issuer, &self.settings.issuer) {
            return Err(OidcError::ProviderUnavailable(format!(
                "the discovery document names issuer {} instead of {}",
                doc.issuer, self.settings.issuer
            )));
        }
        let doc = Arc::new(doc);
        *self.discovery.lock().expect("lock") = Some((doc.clone(), Instant::now()));
        Ok(doc)
    }

    /// The cached discovery document, without fetching (for sign-out, which must not wait
    /// on the provider).
    fn cached_discovery(&self) -> Option<Arc<Discovery>> {
        self.discovery
            .lock()
            .expect("lock")
            .as_ref()
            .map(|(d, _)| d.clone())
    }

    async fn key_set(
        &self,
        discovery: &Discovery,
        refresh: bool,
    ) -> Result<Arc<KeySet>, OidcError> {
        if !refresh
            && let Some((keys, at)) = self.keys.lock().expect("lock").clone()
            && self.fresh(at)
        {
            return Ok(keys);
        }
        let keys: KeySet = self.get_json(&discovery.jwks_uri).await?;
        let keys = Arc::new(keys);
        *self.keys.lock().expect("lock") = Some((keys.clone(), Instant::now()));
        Ok(keys)
    }

    /// The RSA key `kid` names (or the only RSA signing key when the token names none).
    fn find_key<'a>(keys: &'a KeySet, kid: Option<&str>) -> Option<&'a Jwk> {
        let mut usable = keys
            .keys
            .iter()
            .filter(|k| k.kty == "RSA" && k.usage.as_deref().is_none_or(|u| u == "sig"));
        match kid {
            Some(kid) => usable.find(|k| k.kid.as_deref() == Some(kid)),
            None => {
                let first = usable.next();
                if usable.next().is_some() { None } else { first }
            }
        }
    }

    /// Verifies an RS256 ID token and returns its claims.
    async fn verify_id_token(
        &self,
        discovery: &Discovery,
        token: &str,
        nonce: &str,
        now: DateTime<Utc>,
    ) -> Result<Value, OidcError> {
        let invalid = |why: &str| OidcError::InvalidToken(why.to_owned());
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid("not a JWS compact token"));
        };
        let header: JwtHeader = unb64(header)
            .and_then(|h| serde_json::from_slice(&h).ok())
            .ok_or_else(|| invalid("unreadable header"))?;
        if header.alg != "RS256" {
            return Err(invalid("signed with an algorithm other than RS256"));
        }
        let signature = unb64(signature).ok_or_else(|| invalid("unreadable signature"))?;
        let mut keys = self.key_set(discovery, false).await?;
        if Self::find_key(&keys, header.kid.as_deref()).is_none() {
            // A key we have not seen: the provider may have rotated its keys.
            keys = self.key_set(discovery, true).await?;
        }
        let key = Self::find_key(&keys, header.kid.as_deref())
            .ok_or_else(|| invalid("signed by a key not in the provider's key set"))?;
        let (Some(n), Some(e)) = (
            key.n.as_deref().and_then(unb64),
            key.e.as_deref().and_then(unb64),
        ) else {
            return Err(invalid("the provider's key is malformed"));
        };
        let signed = &token[..header_and_payload_len(token)];
        ring::signature::RsaPublicKeyComponents { n: &n, e: &e }
            .verify(
                &ring::signature::RSA_PKCS1_2048_8192_SHA256,
                signed.as_bytes(),
                &signature,
            )
            .map_err(|_| invalid("bad signature"))?;
        let claims: Value = unb64(payload)
            .and_then(|p| serde_json::from_slice(&p).ok())
            .ok_or_else(|| invalid("unreadable claims"))?;

        let iss = claims
            .get("iss")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !issuer_matches(iss, &discovery.issuer) {
            return Err(invalid("issued by another issuer"));
        }
        let client_id = self.settings.client_id.as_str();
        let audiences = claim_values(claims.get("aud"));
        if !audiences.iter().any(|a| a == client_id) {
            return Err(invalid("meant for another audience"));
        }
        if audiences.len() > 1 && claims.get("azp").and_then(Value::as_str) != Some(client_id) {
            return Err(invalid("authorized party is not this client"));
        }
        let exp = claims
            .get("exp")
            .and_then(Value::as_i64)
            .ok_or_else(|| invalid("no expiry"))?;
        if now.timestamp() > exp + LEEWAY_SECONDS {
            return Err(invalid("expired"));
        }
        if let Some(iat) = claims.get("iat").and_then(Value::as_i64)
            && iat > now.timestamp() + LEEWAY_SECONDS
        {
            return Err(invalid("issued in the future"));
        }
        let sent_nonce = claims
            .get("nonce")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !same(sent_nonce.as_bytes(), nonce.as_bytes()) {
            return Err(invalid("nonce does not match this sign-in"));
        }
        if claims
            .get("sub")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            return Err(invalid("no subject"));
        }
        Ok(claims)
    }

    /// Redeems the code at the token endpoint and returns the ID token.
    async fn redeem(
        &self,
        discovery: &Discovery,
        code: &str,
        verifier: &str,
        redirect_uri: &str,
    ) -> Result<String, OidcError> {
        let s = &self.settings;
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("code_verifier", verifier),
        ];
        let secret = s
            .client_secret
            .as_ref()
            .map(secrecy::ExposeSecret::expose_secret);
        let basic = discovery
            .token_endpoint_auth_methods_supported
            .as_ref()
            .is_none_or(|m| m.iter().any(|m| m == "client_secret_basic"));
        let mut req = self.http()?.post(&discovery.token_endpoint);
        match secret {
            Some(secret) if basic => {
                // RFC 6749 §2.3.1: both parts are form-encoded before the basic scheme.
                let enc =
                    |v: &str| form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>();
                req = req.basic_auth(enc(&s.client_id), Some(enc(secret)));
            }
            Some(secret) => {
                form.push(("client_id", s.client_id.as_str()));
                form.push(("client_secret", secret));
            }
            None => form.push(("client_id", s.client_id.as_str())),
        }
        let res = req
            .form(&form)
            .send()
            .await
            .map_err(|e| OidcError::ProviderUnavailable(e.without_url().to_string()))?;
        let status = res.status();
        if status.is_server_error() {
            return Err(OidcError::ProviderUnavailable(format!(
                "the token endpoint answered {status}"
            )));
        }
        if !status.is_success() {
            let body: Value = res.json().await.unwrap_or(Value::Null);
            let error = body
                .get("error")
                .and_then(Value::as_str)
                .unwrap_or("unknown");
            return Err(OidcError::ProviderRefused(format!(
                "the token endpoint answered {status} ({error})"
            )));
        }
        let answer: TokenAnswer = res.json().await.map_err(|e| {
            OidcError::ProviderRefused(format!("unreadable token answer: {}", e.without_url()))
        })?;
        answer
            .id_token
            .ok_or_else(|| OidcError::ProviderRefused("no ID token in the answer".into()))
    }
}

/// The length of `header.payload`, the part of a JWS the signature covers.
fn header_and_payload_len(token: &str) -> usize {
    token.rfind('.').unwrap_or(0)
}

impl Engine {
    /// Turns single sign-on on with `[auth.oidc]` (called by `with_auth`).
    pub(crate) fn oidc_client(settings: &OidcSettings) -> Option<Arc<OidcClient>> {
        settings
            .enabled()
            .then(|| Arc::new(OidcClient::new(settings.clone())))
    }

    async fn signed_flow_cookie(&self, flow: &Flow) -> Result<String, OidcError> {
        let key = server_secret(&self.db, STATE_KEY, self.now()).await?;
        let payload =
            b64(&serde_json::to_vec(flow).map_err(|e| EngineError::Internal(e.to_string()))?);
        let mac = hmac_sha256(key.as_bytes(), &[b"vouch-oidc-v1:", payload.as_bytes()]);
        Ok(format!("{payload}.{}", b64(&mac)))
    }

    async fn read_flow_cookie(&self, cookie: &str) -> Result<Flow, OidcError> {
        let (payload, mac) = cookie.split_once('.').ok_or(OidcError::StateMismatch)?;
        let key = server_secret(&self.db, STATE_KEY, self.now()).await?;
        let expected = hmac_sha256(key.as_bytes(), &[b"vouch-oidc-v1:", payload.as_bytes()]);
        let mac = unb64(mac).ok_or(OidcError::StateMismatch)?;
        if !same(&expected, &mac) {
            return Err(OidcError::StateMismatch);
        }
        let flow: Flow = unb64(payload)
            .and_then(|p| serde_json::from_slice(&p).ok())
            .ok_or(OidcError::StateMismatch)?;
        let age = self.now().timestamp() - flow.started;
        if !(0..=FLOW_SECONDS).contains(&age) {
            return Err(OidcError::StateMismatch);
        }
        Ok(flow)
    }

    /// The account the verified claims belong to, linked or created as the settings
    /// allow, with its role brought in line with the role claim.
    async fn oidc_account(
        &self,
        settings: &OidcSettings,
        issuer: &str,
        claims: &Value,
    ) -> Result<User, OidcError> {
        let now = self.now();
        let subject = claims
            .get("sub")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let claim_role = role_from_claims(claims, settings);
        let identity = identities::by_subject(&self.db, issuer, subject).await?;
        let account = match identity {
            Some(identity) => {
                let account = users::find(&self.db, identity.user_id)
                    .await?
                    .ok_or(OidcError::NoAccount)?
                    .user;
                identities::set_last_sign_in(&self.db, identity.id, now).await?;
                account
            }
            None => {
                self.oidc_link_or_create(settings, issuer, subject, claims, claim_role)
                    .await?
            }
        };
        // A provisioned account's role and access come from SCIM alone: the provider may
        // still issue tokens to someone it deactivated (or the token may predate it).
        if let Some(scim_active) = self.scim_active(&self.db, account.id).await? {
            if !scim_active || !account.active {
                return Err(OidcError::Deactivated);
            }
            return Ok(account);
        }
        let role = claim_role.ok_or(OidcError::NoRole)?;
        if !account.active {
            return Err(OidcError::Deactivated);
        }
        if account.role == role {
            return Ok(account);
        }
        let from = account.role;
        let patch = UserPatch {
            role: Some(role),
            updated_at: Some(now),
            ..UserPatch::default()
        };
        let account = users::update(&self.db, account.id, patch).await?;
        audit::record(
            &self.db,
            None,
            None,
            &Actor::System,
            "user.role_changed",
            serde_json::json!({
                "user_id": account.id,
                "from": from,
                "to": role,
                "source": "oidc",
            }),
            now,
        )
        .await?;
        tracing::info!(user_id = %account.id, %from, to = %role, "role changed by the identity provider");
        Ok(account)
    }

    async fn oidc_link_or_create(
        &self,
        settings: &OidcSettings,
        issuer: &str,
        subject: &str,
        claims: &Value,
        role: Option<Role>,
    ) -> Result<User, OidcError> {
        let now = self.now();
        let email = claims
            .get("email")
            .and_then(Value::as_str)
            .map(normalize_email)
            .filter(|e| !e.is_empty());
        let verified = email.is_some() && email_verified(claims);
        let existing = match &email {
            Some(email) => users::by_email(&self.db, email).await?.map(|u| u.user),
            None => None,
        };
        let account = match existing {
            Some(account) => {
                if !verified {
                    return Err(OidcError::UnverifiedEmail);
                }
                // A provisioned account was put here by the company's identity provider,
                // admins too: linking it by its verified email is what provisioning is for.
                let provisioned = self.scim_active(&self.db, account.id).await?.is_some();
                if !provisioned && role.is_none() {
                    return Err(OidcError::NoRole);
                }
                if !provisioned && (account.role == Role::Admin || role == Some(Role::Admin)) {
                    audit::record(
                        &self.db,
                        None,
                        None,
                        &Actor::System,
                        "user.identity_link_refused",
                        serde_json::json!({
                            "user_id": account.id,
                            "issuer": issuer,
                            "reason": "admin accounts are never linked by email",
                        }),
                        now,
                    )
                    .await?;
                    return Err(OidcError::AdminLinkRefused);
                }
                if !account.active {
                    return Err(OidcError::Deactivated);
                }
                account
            }
            None if settings.allow_signup && verified => {
                let role = role.ok_or(OidcError::NoRole)?;
                let name = claims
                    .get("name")
                    .and_then(Value::as_str)
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(str::to_owned)
                    .or_else(|| email.clone())
                    .unwrap_or_default();
                let new = NewAccount {
                    id: Uuid::now_v7(),
                    email: email.clone().unwrap_or_default(),
                    name: name.chars().take(200).collect(),
                    role,
                    password_hash: None,
                    active: true,
                };
                let account = users::insert(&self.db, new, now).await?;
                audit::record(
                    &self.db,
                    None,
                    None,
                    &Actor::System,
                    "user.signed_up",
                    serde_json::json!({ "user_id": account.id, "role": role, "issuer": issuer }),
                    now,
                )
                .await?;
                account
            }
            None if role.is_none() => return Err(OidcError::NoRole),
            None => return Err(OidcError::NoAccount),
        };
        identities::insert(&self.db, account.id, issuer, subject, email, now).await?;
        audit::record(
            &self.db,
            None,
            None,
            &Actor::System,
            "user.identity_linked",
            serde_json::json!({ "user_id": account.id, "issuer": issuer }),
            now,
        )
        .await?;
        Ok(account)
    }
}

impl crate::services::Accounts<'_> {
    /// Whether single sign-on is configured, and the provider's name for the button.
    pub fn oidc_provider_name(&self) -> Option<String> {
        self.oidc.as_ref().map(|c| c.settings().provider_name())
    }

    /// Starts a sign-in at the provider: where to send the browser (the authorization
    /// endpoint, with the flow's state, nonce and PKCE challenge) and the signed cookie
    /// that remembers them. `next` is the page to open afterwards (already checked).
    #[tracing::instrument(skip_all, err)]
    pub async fn oidc_start(&self, redirect_uri: &str, next: &str) -> Result<OidcStart, OidcError> {
        let client = self.oidc.as_ref().ok_or(OidcError::NotConfigured)?;
        let discovery = client.discovery().await?;
        let flow = Flow {
            state: new_token(),
            nonce: new_token(),
            verifier: new_token(),
            next: next.to_owned(),
            started: self.now().timestamp(),
        };
        let mut url = reqwest::Url::parse(&discovery.authorization_endpoint).map_err(|e| {
            OidcError::ProviderUnavailable(format!("the authorization endpoint is not a URL: {e}"))
        })?;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &client.settings().client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", "openid email profile")
            .append_pair("state", &flow.state)
            .append_pair("nonce", &flow.nonce)
            .append_pair("code_challenge", &pkce_challenge(&flow.verifier))
            .append_pair("code_challenge_method", "S256");
        Ok(OidcStart {
            location: url.into(),
            cookie: self.signed_flow_cookie(&flow).await?,
        })
    }

    /// Finishes a sign-in: checks `state` against the flow cookie, redeems `code`,
    /// verifies the ID token and opens a session for the person it names.
    #[tracing::instrument(skip_all, err)]
    pub async fn oidc_finish(
        &self,
        redirect_uri: &str,
        flow_cookie: Option<&str>,
        state: &str,
        code: &str,
    ) -> Result<OidcSignIn, OidcError> {
        let client = self.oidc.as_ref().ok_or(OidcError::NotConfigured)?;
        let flow = self
            .read_flow_cookie(flow_cookie.ok_or(OidcError::StateMismatch)?)
            .await?;
        if !same(flow.state.as_bytes(), state.as_bytes()) {
            return Err(OidcError::StateMismatch);
        }
        let discovery = client.discovery().await?;
        let id_token = client
            .redeem(&discovery, code, &flow.verifier, redirect_uri)
            .await?;
        let claims = client
            .verify_id_token(&discovery, &id_token, &flow.nonce, self.now())
            .await?;
        let account = self
            .oidc_account(client.settings(), &discovery.issuer, &claims)
            .await?;
        let (token, session) = self.open_session(account, self.now()).await?;
        Ok(OidcSignIn {
            token,
            session,
            next: flow.next,
        })
    }

    /// Where to send a browser signing out of a single sign-on session: the provider's
    /// end-session endpoint when it has one (RP-initiated logout), returning to
    /// `post_logout_redirect_uri`. Uses the cached discovery document only: signing out
    /// never waits on the provider.
    pub async fn oidc_end_session_url(
        &self,
        user_id: Uuid,
        post_logout_redirect_uri: &str,
    ) -> Result<Option<String>, EngineError> {
        let Some(client) = self.oidc.as_ref() else {
            return Ok(None);
        };
        let Some(endpoint) = client
            .cached_discovery()
            .and_then(|d| d.end_session_endpoint.clone())
        else {
            return Ok(None);
        };
        if !identities::any_of_user(&self.db, user_id).await? {
            return Ok(None);
        }
        let Ok(mut url) = reqwest::Url::parse(&endpoint) else {
            return Ok(None);
        };
        url.query_pairs_mut()
            .append_pair("client_id", &client.settings().client_id)
            .append_pair("post_logout_redirect_uri", post_logout_redirect_uri);
        Ok(Some(url.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_challenge_is_unpadded_base64url_of_the_sha256() {
        // Computed independently: base64.urlsafe_b64encode(sha256(v)).rstrip("=").
        assert_eq!(
            pkce_challenge("a-verifier_of.43~chars"),
            "2l6tRCAuCfrc7RRgmoSd3uAO2SKU0da_sZknzF4riW4"
        );
    }

    #[test]
    fn roles_come_from_a_plain_or_nested_claim_admin_first() {
        let settings = OidcSettings {
            role_claim: "realm_access.roles".into(),
            admin_values: vec!["vouch-admin".into()],
            ops_values: vec!["vouch-ops".into()],
            hr_values: vec!["vouch-hr".into()],
            ..Default::default()
        };
        let nested = serde_json::json!({"realm_access": {"roles": ["vouch-hr", "vouch-admin"]}});
        assert_eq!(role_from_claims(&nested, &settings), Some(Role::Admin));
        let single = serde_json::json!({"realm_access": {"roles": "vouch-ops"}});
        assert_eq!(role_from_claims(&single, &settings), Some(Role::Ops));
        let none = serde_json::json!({"realm_access": {"roles": ["staff"]}});
        assert_eq!(role_from_claims(&none, &settings), None);
        // A claim named by a URL (dots and all) is read whole.
        let url_claim = OidcSettings {
            role_claim: "https://vouch.example/roles".into(),
            ..settings
        };
        let flat = serde_json::json!({"https://vouch.example/roles": ["vouch-hr"]});
        assert_eq!(role_from_claims(&flat, &url_claim), Some(Role::Hr));
    }

    #[test]
    fn provider_name_defaults_to_the_issuer_host() {
        let s = OidcSettings {
            issuer: "https://login.example.com/realms/staff".into(),
            ..Default::default()
        };
        assert_eq!(s.provider_name(), "login.example.com");
        let named = OidcSettings {
            display_name: "Okta".into(),
            ..s
        };
        assert_eq!(named.provider_name(), "Okta");
    }
}
