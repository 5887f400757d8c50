//! An OpenID provider for tests, on 127.0.0.1: discovery, key set (JWKS), authorization
//! and token endpoints, issuing ID tokens signed RS256 with a fixed test key (the keys in
//! `keys/`, PKCS#1 DER made with `openssl genpkey`, are for tests only and protect
//! nothing).
//!
//! The "person at the provider" is whoever the test says (`sign_in_as`); the authorization
//! endpoint signs them in at once and sends the browser back with a one-time code bound
//! to the PKCE challenge. A test can spoil the next token (`spoil`), rotate the signing
//! key, or take the whole provider down.

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair, RsaPublicKeyComponents};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub const CLIENT_ID: &str = "vouch-test";
pub const CLIENT_SECRET: &str = "test-client-secret";
/// The role claim's values the test settings map to each role.
pub const ADMIN_GROUP: &str = "vouch-admins";
pub const OPS_GROUP: &str = "vouch-ops";
pub const HR_GROUP: &str = "vouch-hr";

const PROVIDER_KEY: &[u8] = include_bytes!("../keys/provider.rsa.der");
const OTHER_KEY: &[u8] = include_bytes!("../keys/other.rsa.der");

/// How the next ID token is spoiled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spoil {
    None,
    WrongNonce,
    WrongAudience,
    /// Expired ten minutes ago.
    Expired,
    /// Signed by a key that is not the one its `kid` names.
    BadSignature,
}

struct Grant {
    claims: Value,
    nonce: String,
    challenge: String,
    redirect_uri: String,
}

struct State {
    person: Option<Value>,
    codes: HashMap<String, Grant>,
    spoil: Spoil,
    down: bool,
    /// Signing with the second key (published as `k2` beside `k1`).
    rotated: bool,
    jwks_fetches: usize,
    token_requests: usize,
}

pub struct OidcProvider {
    base: String,
    state: Arc<Mutex<State>>,
    server: actix_web::dev::ServerHandle,
}

fn key(der: &[u8]) -> RsaKeyPair {
    RsaKeyPair::from_der(der).expect("a PKCS#1 RSA test key")
}

fn jwk(der: &[u8], kid: &str) -> Value {
    let public: RsaPublicKeyComponents<Vec<u8>> = key(der).public().into();
    json!({
        "kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
        "n": URL_SAFE_NO_PAD.encode(&public.n),
        "e": URL_SAFE_NO_PAD.encode(&public.e),
    })
}

fn sign(der: &[u8], kid: &str, claims: &Value) -> String {
    let header =
        URL_SAFE_NO_PAD.encode(json!({"alg": "RS256", "typ": "JWT", "kid": kid}).to_string());
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let input = format!("{header}.{payload}");
    let pair = key(der);
    let mut signature = vec![0; pair.public().modulus_len()];
    pair.sign(
        &RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        input.as_bytes(),
        &mut signature,
    )
    .expect("sign");
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

fn token() -> String {
    let mut bytes = [0u8; 24];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes).expect("random");
    URL_SAFE_NO_PAD.encode(bytes)
}

type Shared = web::Data<(String, Arc<Mutex<State>>)>;

impl OidcProvider {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let base = format!(
            "http://127.0.0.1:{}",
            listener.local_addr().expect("addr").port()
        );
        let state = Arc::new(Mutex::new(State {
            person: None,
            codes: HashMap::new(),
            spoil: Spoil::None,
            down: false,
            rotated: false,
            jwks_fetches: 0,
            token_requests: 0,
        }));
        let data: Shared = web::Data::new((base.clone(), state.clone()));
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route(
                    "/.well-known/openid-configuration",
                    web::get().to(discovery),
                )
                .route("/jwks", web::get().to(jwks))
                .route("/authorize", web::get().to(authorize))
                .route("/token", web::post().to(token_endpoint))
                .route(
                    "/logout",
                    web::get().to(|| async { HttpResponse::Ok().body("signed out") }),
                )
        })
        .listen(listener)
        .expect("listen")
        .workers(1)
        .disable_signals()
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            base,
            state,
            server: handle,
        }
    }

    /// The issuer URL.
    pub fn issuer(&self) -> &str {
        &self.base
    }

    /// `[auth.oidc]` for this provider: groups claim, one group per role, sign-up off.
    pub fn settings(&self) -> engine::settings::OidcSettings {
        engine::settings::OidcSettings {
            issuer: self.base.clone(),
            client_id: CLIENT_ID.into(),
            client_secret: Some(CLIENT_SECRET.into()),
            display_name: "Test IdP".into(),
            admin_values: vec![ADMIN_GROUP.into()],
            ops_values: vec![OPS_GROUP.into()],
            hr_values: vec![HR_GROUP.into()],
            ..Default::default()
        }
    }

    /// The person the authorization endpoint signs in from now on (their claims: `sub`,
    /// `email`, `email_verified`, `name`, `groups`, …).
    pub fn sign_in_as(&self, claims: Value) {
        self.state.lock().unwrap().person = Some(claims);
    }

    /// Spoils the next ID token issued.
    pub fn spoil(&self, how: Spoil) {
        self.state.lock().unwrap().spoil = how;
    }

    /// Publishes a second key and signs with it from now on.
    pub fn rotate_key(&self) {
        self.state.lock().unwrap().rotated = true;
    }

    /// Every endpoint answers 503 while down.
    pub fn set_down(&self, down: bool) {
        self.state.lock().unwrap().down = down;
    }

    pub fn jwks_fetches(&self) -> usize {
        self.state.lock().unwrap().jwks_fetches
    }

    pub fn token_requests(&self) -> usize {
        self.state.lock().unwrap().token_requests
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        drop(self.server.stop(false));
    }
}

fn unavailable() -> HttpResponse {
    HttpResponse::ServiceUnavailable().body("down for maintenance")
}

async fn discovery(data: Shared) -> HttpResponse {
    let (base, state) = &**data;
    if state.lock().unwrap().down {
        return unavailable();
    }
    HttpResponse::Ok().json(json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
        "jwks_uri": format!("{base}/jwks"),
        "end_session_endpoint": format!("{base}/logout"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
    }))
}

async fn jwks(data: Shared) -> HttpResponse {
    let (_, state) = &**data;
    let mut s = state.lock().unwrap();
    if s.down {
        return unavailable();
    }
    s.jwks_fetches += 1;
    let mut keys = vec![jwk(PROVIDER_KEY, "k1")];
    if s.rotated {
        keys.push(jwk(OTHER_KEY, "k2"));
    }
    HttpResponse::Ok().json(json!({ "keys": keys }))
}

fn with_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    let query = serde_urlencoded::to_string(pairs).expect("encode");
    let sep = if uri.contains('?') { '&' } else { '?' };
    format!("{uri}{sep}{query}")
}

async fn authorize(data: Shared, query: web::Query<HashMap<String, String>>) -> HttpResponse {
    let (_, state) = &**data;
    let mut s = state.lock().unwrap();
    if s.down {
        return unavailable();
    }
    let q = |k: &str| query.get(k).cloned().unwrap_or_default();
    if q("response_type") != "code"
        || q("client_id") != CLIENT_ID
        || q("code_challenge_method") != "S256"
        || q("code_challenge").is_empty()
        || !q("scope").split(' ').any(|s| s == "openid")
    {
        return HttpResponse::BadRequest().body("bad authorization request");
    }
    let redirect_uri = q("redirect_uri");
    let Some(person) = s.person.clone() else {
        let to = with_query(
            &redirect_uri,
            &[("error", "access_denied"), ("state", &q("state"))],
        );
        return HttpResponse::Found()
            .insert_header(("location", to))
            .finish();
    };
    let code = token();
    s.codes.insert(
        code.clone(),
        Grant {
            claims: person,
            nonce: q("nonce"),
            challenge: q("code_challenge"),
            redirect_uri: redirect_uri.clone(),
        },
    );
    let to = with_query(&redirect_uri, &[("code", &code), ("state", &q("state"))]);
    HttpResponse::Found()
        .insert_header(("location", to))
        .finish()
}

fn token_error(error: &str) -> HttpResponse {
    HttpResponse::BadRequest().json(json!({ "error": error }))
}

async fn token_endpoint(
    data: Shared,
    req: HttpRequest,
    form: web::Form<HashMap<String, String>>,
) -> HttpResponse {
    let (base, state) = &**data;
    let mut s = state.lock().unwrap();
    s.token_requests += 1;
    if s.down {
        return unavailable();
    }
    let expected = format!(
        "Basic {}",
        STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
    );
    let sent = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if sent != expected {
        return HttpResponse::Unauthorized().json(json!({ "error": "invalid_client" }));
    }
    let f = |k: &str| form.get(k).cloned().unwrap_or_default();
    if f("grant_type") != "authorization_code" {
        return token_error("unsupported_grant_type");
    }
    // A code works once.
    let Some(grant) = s.codes.remove(&f("code")) else {
        return token_error("invalid_grant");
    };
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(f("code_verifier").as_bytes()));
    if challenge != grant.challenge || f("redirect_uri") != grant.redirect_uri {
        return token_error("invalid_grant");
    }
    let now = chrono::Utc::now().timestamp();
    let mut claims = grant.claims;
    claims["iss"] = json!(base);
    claims["aud"] = json!(CLIENT_ID);
    claims["iat"] = json!(now);
    claims["exp"] = json!(now + 300);
    claims["nonce"] = json!(grant.nonce);
    let spoil = std::mem::replace(&mut s.spoil, Spoil::None);
    match spoil {
        Spoil::WrongNonce => claims["nonce"] = json!("a nonce from another sign-in"),
        Spoil::WrongAudience => claims["aud"] = json!("another-client"),
        Spoil::Expired => {
            claims["iat"] = json!(now - 1200);
            claims["exp"] = json!(now - 600);
        }
        Spoil::None | Spoil::BadSignature => {}
    }
    let id_token = match (spoil, s.rotated) {
        (Spoil::BadSignature, false) => sign(OTHER_KEY, "k1", &claims),
        (Spoil::BadSignature, true) => sign(PROVIDER_KEY, "k2", &claims),
        (_, false) => sign(PROVIDER_KEY, "k1", &claims),
        (_, true) => sign(OTHER_KEY, "k2", &claims),
    };
    HttpResponse::Ok().json(json!({
        "access_token": token(),
        "token_type": "Bearer",
        "expires_in": 300,
        "id_token": id_token,
    }))
}
