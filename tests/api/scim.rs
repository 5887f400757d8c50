//! SCIM 2.0 provisioning (`/scim/v2`): the identity provider creates people and groups,
//! roles follow the groups through the mapping single sign-on uses, and deprovisioning
//! ends access at once.

use engine::audit::Actor;
use engine::domain::Role;
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use store::entity::audit_event;
use testkit::oidc_provider::{ADMIN_GROUP, HR_GROUP, OPS_GROUP, OidcProvider};
use testkit::{Backend, PUBLIC_URL, TestApp, TestConfig, UiClient};

use crate::on_both_backends;

on_both_backends!(
    a_provisioned_user_gets_their_groups_role_and_signs_in_with_oidc_without_a_password,
    scim_values_replace_the_oidc_lists_for_provisioned_groups,
    deactivating_a_user_ends_their_session_and_stops_their_api_token_at_once,
    losing_the_last_mapped_group_or_being_deleted_also_ends_access,
    the_last_active_admin_is_kept_unless_a_break_glass_admin_remains,
    bad_input_gets_scim_errors_with_the_rfcs_scim_type,
    only_a_live_scim_token_opens_scim_and_discovery_is_public,
    lists_filter_and_page_as_the_contract_says,
    scim_requests_are_rate_limited_per_client,
);

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

struct Scim {
    app: TestApp,
    provider: OidcProvider,
    token: String,
}

async fn scim_app(backend: Backend, tweak: impl FnOnce(&mut engine::AuthSettings)) -> Option<Scim> {
    let provider = OidcProvider::start().await;
    let mut config = TestConfig::default();
    config.auth.oidc = provider.settings();
    tweak(&mut config.auth);
    let app = TestApp::spawn_with(backend, config).await?;
    let token = app
        .engine
        .provisioning()
        .create_scim_token("test", &Actor::System)
        .await
        .unwrap();
    Some(Scim {
        app,
        provider,
        token,
    })
}

impl Scim {
    async fn send(&self, method: &str, path: &str, body: Option<Value>) -> reqwest::Response {
        let mut req = self
            .app
            .client
            .request(
                method.parse().unwrap(),
                self.app.url(&format!("/scim/v2{path}")),
            )
            .bearer_auth(&self.token);
        if let Some(body) = body {
            req = req
                .header("content-type", "application/scim+json")
                .body(body.to_string());
        }
        req.send().await.unwrap()
    }

    async fn ok(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let res = self.send(method, path, body).await;
        assert!(
            res.status().is_success(),
            "{method} {path}: {}",
            res.status()
        );
        assert_eq!(
            res.headers()["content-type"].to_str().unwrap(),
            "application/scim+json"
        );
        res.json().await.unwrap()
    }

    async fn user(&self, user_name: &str, email: &str) -> Value {
        self.ok(
            "POST",
            "/Users",
            Some(json!({
                "schemas": [USER],
                "userName": user_name,
                "name": { "givenName": "Ada", "familyName": "Lovelace" },
                "emails": [{ "value": email, "type": "work", "primary": true }],
                "active": true,
            })),
        )
        .await
    }

    async fn group(&self, name: &str, members: &[&Value]) -> Value {
        let members: Vec<Value> = members
            .iter()
            .map(|m| json!({ "value": m["id"] }))
            .collect();
        self.ok(
            "POST",
            "/Groups",
            Some(json!({ "schemas": [GROUP], "displayName": name, "members": members })),
        )
        .await
    }

    async fn patch(&self, path: &str, ops: Value) -> reqwest::Response {
        self.send(
            "PATCH",
            path,
            Some(json!({ "schemas": [PATCH], "Operations": ops })),
        )
        .await
    }

    async fn account(&self, email: &str) -> engine::domain::User {
        self.app
            .engine
            .accounts()
            .find_user_by_email(email)
            .await
            .unwrap()
            .expect("the account")
    }

    /// The whole single sign-on flow in a new browser; the callback's status.
    async fn sign_in(&self, sub: &str, email: &str, groups: &[&str]) -> (u16, UiClient) {
        self.provider.sign_in_as(json!({
            "sub": sub, "email": email, "email_verified": true, "name": "Ada", "groups": groups,
        }));
        let ui = self.app.ui();
        let res = ui.get("/ui/login/oidc").await;
        assert_eq!(res.status(), 302);
        let res = self.app.client.get(location(&res)).send().await.unwrap();
        let back = location(&res);
        let callback = back.strip_prefix(PUBLIC_URL).unwrap().to_owned();
        let res = ui.get(&callback).await;
        (res.status().as_u16(), ui)
    }
}

fn location(res: &reqwest::Response) -> String {
    res.headers()["location"].to_str().unwrap().to_owned()
}

async fn scim_error(res: reqwest::Response, status: u16, scim_type: Option<&str>) -> Value {
    assert_eq!(res.status().as_u16(), status);
    assert_eq!(
        res.headers()["content-type"].to_str().unwrap(),
        "application/scim+json"
    );
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:Error"])
    );
    assert_eq!(body["status"], json!(status.to_string()));
    assert_eq!(body["scimType"].as_str(), scim_type, "{body}");
    body
}

async fn events(app: &TestApp, kind: &str) -> Vec<Value> {
    audit_event::Entity::find()
        .all(app.engine.db())
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == kind)
        .map(|e| e.data)
        .collect()
}

async fn a_provisioned_user_gets_their_groups_role_and_signs_in_with_oidc_without_a_password(
    backend: Backend,
) {
    let Some(s) = scim_app(backend, |_| {}).await else {
        return;
    };
    let ada = s.user("Ada", "ada@corp.example").await;
    assert_eq!(ada["userName"], "Ada");
    assert_eq!(ada["meta"]["resourceType"], "User");
    assert!(ada["meta"]["created"].is_string() && ada["meta"]["lastModified"].is_string());
    assert_eq!(
        ada["meta"]["location"],
        format!("{PUBLIC_URL}/scim/v2/Users/{}", ada["id"].as_str().unwrap())
    );
    let account = s.account("ada@corp.example").await;
    assert!(!account.active, "no mapped group yet: no access");
    let (status, _) = s.sign_in("sub-ada", "ada@corp.example", &[]).await;
    assert_ne!(status, 303, "no access without a mapped group");

    let group = s.group(OPS_GROUP, &[&ada]).await;
    assert_eq!(group["members"][0]["value"], ada["id"]);
    let account = s.account("ada@corp.example").await;
    assert!(account.active);
    assert_eq!(account.role, Role::Ops);
    assert_eq!(account.name, "Ada Lovelace");
    let read = s
        .ok(
            "GET",
            &format!("/Users/{}", ada["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(read["groups"][0]["display"], OPS_GROUP);

    // The ID token carries no groups at all: the role is the one SCIM gave.
    let (status, ui) = s.sign_in("sub-ada", "ada@corp.example", &[]).await;
    assert_eq!(status, 303, "signed in by single sign-on");
    assert!(ui.cookie("vouch_session").is_some());
    assert_eq!(s.account("ada@corp.example").await.role, Role::Ops);

    // Moved to the HR group by the provider: the role follows at once.
    let hr = s.group(HR_GROUP, &[&ada]).await;
    let res = s
        .patch(
            &format!("/Groups/{}", group["id"].as_str().unwrap()),
            json!([{ "op": "remove", "path": format!("members[value eq \"{}\"]", ada["id"].as_str().unwrap()) }]),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(s.account("ada@corp.example").await.role, Role::Hr);
    assert!(hr["members"].as_array().unwrap().len() == 1);
    let changes = events(&s.app, "user.role_changed").await;
    assert!(
        changes
            .iter()
            .any(|e| e["source"] == "scim" && e["to"] == "hr")
    );

    // A staff admin cannot change what the provider owns.
    let admin = s.app.staff_user(Role::Admin, testkit::UI_PASSWORD).await;
    let refused = s
        .app
        .engine
        .accounts()
        .set_user_role(account.id, Role::Admin, &Actor::User(admin.id))
        .await;
    assert!(
        refused.is_err(),
        "a provisioned account's role is the provider's"
    );
}

async fn scim_values_replace_the_oidc_lists_for_provisioned_groups(backend: Backend) {
    let Some(s) = scim_app(backend, |auth| {
        auth.scim.admin_values = Some(vec!["Vouch Owners".into()]);
    })
    .await
    else {
        return;
    };
    let ada = s.user("ada", "ada@corp.example").await;
    let bob = s.user("bob", "bob@corp.example").await;
    s.group(ADMIN_GROUP, &[&ada]).await;
    s.group("Vouch Owners", &[&bob]).await;
    s.group(OPS_GROUP, &[&bob]).await;
    let ada = s.account("ada@corp.example").await;
    assert!(
        !ada.active,
        "the OIDC admin list is replaced for SCIM groups"
    );
    let bob = s.account("bob@corp.example").await;
    assert!(bob.active);
    assert_eq!(
        bob.role,
        Role::Admin,
        "admin before ops; unset ops_values falls back to OIDC's"
    );
}

async fn deactivating_a_user_ends_their_session_and_stops_their_api_token_at_once(
    backend: Backend,
) {
    let Some(s) = scim_app(backend, |_| {}).await else {
        return;
    };
    let ada = s.user("ada", "ada@corp.example").await;
    s.group(OPS_GROUP, &[&ada]).await;
    let account = s.account("ada@corp.example").await;
    let api_token = s
        .app
        .engine
        .accounts()
        .create_api_token(account.id, "laptop", None, &Actor::User(account.id))
        .await
        .unwrap();
    let (status, ui) = s.sign_in("sub-ada", "ada@corp.example", &[OPS_GROUP]).await;
    assert_eq!(status, 303);
    let res = ui.get("/ui").await;
    assert!(!location(&res).starts_with("/ui/login"), "signed in");
    assert_eq!(
        s.app
            .get("/api/v1/me", &api_token)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    let id = ada["id"].as_str().unwrap();
    let res = s
        .patch(
            &format!("/Users/{id}"),
            json!([{ "op": "Replace", "path": "active", "value": "False" }]),
        )
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["active"], false);

    assert_eq!(
        s.app
            .get("/api/v1/me", &api_token)
            .send()
            .await
            .unwrap()
            .status(),
        401,
        "the API token stopped"
    );
    let res = ui.get("/ui").await;
    assert_eq!(res.status(), 303, "the session ended");
    assert!(location(&res).starts_with("/ui/login"));
    let (status, _) = s.sign_in("sub-ada", "ada@corp.example", &[OPS_GROUP]).await;
    assert_ne!(
        status, 303,
        "the provider still issues tokens, but the account is off"
    );

    let gone = events(&s.app, "user.deprovisioned").await;
    assert_eq!(gone.len(), 1);
    assert_eq!(gone[0]["reason"], "inactive");
    assert_eq!(gone[0]["api_tokens_revoked"], 1);

    // Reactivated: access is back (the revoked token stays revoked).
    let res = s
        .patch(
            &format!("/Users/{id}"),
            json!([{ "op": "replace", "value": { "active": true } }]),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(s.account("ada@corp.example").await.active);
    assert_eq!(
        s.app
            .get("/api/v1/me", &api_token)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}

async fn losing_the_last_mapped_group_or_being_deleted_also_ends_access(backend: Backend) {
    let Some(s) = scim_app(backend, |_| {}).await else {
        return;
    };
    let ada = s.user("ada", "ada@corp.example").await;
    let bob = s.user("bob", "bob@corp.example").await;
    let group = s.group(HR_GROUP, &[&ada, &bob]).await;
    s.group("unmapped-team", &[&ada]).await;
    let mut tokens = Vec::new();
    for email in ["ada@corp.example", "bob@corp.example"] {
        let account = s.account(email).await;
        tokens.push(
            s.app
                .engine
                .accounts()
                .create_api_token(account.id, "t", None, &Actor::System)
                .await
                .unwrap(),
        );
    }
    // Entra ID's shape: remove by value list.
    let res = s
        .patch(
            &format!("/Groups/{}", group["id"].as_str().unwrap()),
            json!([{ "op": "Remove", "path": "members", "value": [{ "value": ada["id"] }] }]),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(
        !s.account("ada@corp.example").await.active,
        "only an unmapped group is left"
    );
    assert_eq!(
        s.app
            .get("/api/v1/me", &tokens[0])
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        s.app
            .get("/api/v1/me", &tokens[1])
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    let res = s
        .send(
            "DELETE",
            &format!("/Users/{}", bob["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(res.status(), 204);
    assert_eq!(
        s.app
            .get("/api/v1/me", &tokens[1])
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert!(
        !s.account("bob@corp.example").await.active,
        "the account stays, without access"
    );
    let res = s
        .send(
            "GET",
            &format!("/Users/{}", bob["id"].as_str().unwrap()),
            None,
        )
        .await;
    scim_error(res, 404, None).await;
    let reasons: Vec<Value> = events(&s.app, "user.deprovisioned")
        .await
        .into_iter()
        .map(|e| e["reason"].clone())
        .collect();
    assert_eq!(reasons, vec![json!("no_mapped_group"), json!("inactive")]);
}

async fn the_last_active_admin_is_kept_unless_a_break_glass_admin_remains(backend: Backend) {
    let Some(s) = scim_app(backend, |_| {}).await else {
        return;
    };
    let ada = s.user("ada", "ada@corp.example").await;
    s.group(ADMIN_GROUP, &[&ada]).await;
    let id = ada["id"].as_str().unwrap().to_owned();
    let off = json!([{ "op": "replace", "path": "active", "value": false }]);
    let res = s.patch(&format!("/Users/{id}"), off.clone()).await;
    let body = scim_error(res, 409, None).await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("last active admin")
    );
    assert!(
        s.account("ada@corp.example").await.active,
        "nothing changed"
    );
    let res = s.send("DELETE", &format!("/Users/{id}"), None).await;
    scim_error(res, 409, None).await;

    let keeper = s.app.staff_user(Role::Admin, testkit::UI_PASSWORD).await;
    s.app
        .engine
        .accounts()
        .set_break_glass(keeper.id, true, &Actor::System)
        .await
        .unwrap();
    let res = s.patch(&format!("/Users/{id}"), off).await;
    assert_eq!(res.status(), 200, "a break-glass admin remains");
    assert!(!s.account("ada@corp.example").await.active);
}

async fn bad_input_gets_scim_errors_with_the_rfcs_scim_type(backend: Backend) {
    let Some(s) = scim_app(backend, |_| {}).await else {
        return;
    };
    let ada = s.user("Ada@Corp.example", "ada@corp.example").await;
    let id = ada["id"].as_str().unwrap();
    for filter in [
        "userName co \"ada\"",
        "title pr",
        "displayName eq \"x\"",
        "userName eq",
        "userName eq \"a\" or userName eq \"b\"",
    ] {
        let res = s
            .app
            .client
            .get(s.app.url("/scim/v2/Users"))
            .query(&[("filter", filter)])
            .bearer_auth(&s.token)
            .send()
            .await
            .unwrap();
        scim_error(res, 400, Some("invalidFilter")).await;
    }
    let res = s
        .send(
            "POST",
            "/Users",
            Some(json!({ "schemas": [USER], "userName": "bob", "nickName": "b" })),
        )
        .await;
    scim_error(res, 400, Some("invalidValue")).await;
    let res = s
        .patch(
            &format!("/Users/{id}"),
            json!([{ "op": "add", "path": "nickName", "value": "x" }]),
        )
        .await;
    scim_error(res, 400, Some("invalidPath")).await;
    let res = s
        .patch(
            &format!("/Users/{id}"),
            json!([{ "op": "add", "path": "groups", "value": [] }]),
        )
        .await;
    scim_error(res, 400, Some("mutability")).await;
    let res = s
        .send(
            "POST",
            "/Users",
            Some(json!({ "schemas": [USER], "userName": "ADA@corp.EXAMPLE" })),
        )
        .await;
    scim_error(res, 409, Some("uniqueness")).await;
    let res = s
        .app
        .client
        .post(s.app.url("/scim/v2/Users"))
        .bearer_auth(&s.token)
        .header("content-type", "text/plain")
        .body(json!({ "userName": "carol" }).to_string())
        .send()
        .await
        .unwrap();
    scim_error(res, 415, None).await;
    let res = s
        .app
        .client
        .post(s.app.url("/scim/v2/Users"))
        .bearer_auth(&s.token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    scim_error(res, 400, Some("invalidSyntax")).await;
    // application/json is accepted as well as application/scim+json.
    let res = s
        .app
        .client
        .post(s.app.url("/scim/v2/Users"))
        .bearer_auth(&s.token)
        .json(&json!({ "schemas": [USER], "userName": "carol" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let res = s.send("GET", "/Users/not-an-id", None).await;
    scim_error(res, 404, None).await;
}

async fn only_a_live_scim_token_opens_scim_and_discovery_is_public(backend: Backend) {
    let Some(s) = scim_app(backend, |_| {}).await else {
        return;
    };
    let get = |token: Option<String>| {
        let mut req = s.app.client.get(s.app.url("/scim/v2/Users"));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send()
    };
    scim_error(get(None).await.unwrap(), 401, None).await;
    scim_error(get(Some("nonsense".into())).await.unwrap(), 401, None).await;
    let staff = s.app.token_for(Role::Admin).await;
    scim_error(get(Some(staff)).await.unwrap(), 401, None).await;
    assert_eq!(get(Some(s.token.clone())).await.unwrap().status(), 200);

    let listed = s
        .app
        .engine
        .provisioning()
        .list_scim_tokens()
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].last_used_at.is_some(), "use is recorded");
    s.app
        .engine
        .provisioning()
        .revoke_scim_token(listed[0].id, &Actor::System)
        .await
        .unwrap();
    scim_error(get(Some(s.token.clone())).await.unwrap(), 401, None).await;
    assert_eq!(events(&s.app, "scim_token.created").await.len(), 1);
    assert_eq!(events(&s.app, "scim_token.revoked").await.len(), 1);

    for path in [
        "/ServiceProviderConfig",
        "/ResourceTypes",
        "/Schemas",
        "/ResourceTypes/User",
    ] {
        let res = s.app.fetch(&format!("/scim/v2{path}")).await;
        assert_eq!(res.status(), 200, "{path} is public");
    }
    let config: Value = s
        .app
        .fetch("/scim/v2/ServiceProviderConfig")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(config["patch"]["supported"], true);
    assert_eq!(config["bulk"]["supported"], false);
    assert_eq!(config["etag"]["supported"], false);
    assert_eq!(config["sort"]["supported"], false);
    assert_eq!(config["filter"]["maxResults"], 200);
    let schemas: Value = s.app.fetch("/scim/v2/Schemas").await.json().await.unwrap();
    let user_attrs: Vec<&str> = schemas["Resources"][0]["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        user_attrs,
        [
            "userName",
            "name",
            "displayName",
            "emails",
            "active",
            "groups"
        ]
    );
    let res = s
        .app
        .client
        .post(s.app.url("/scim/v2/Schemas"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405, "discovery is read-only");
}

async fn lists_filter_and_page_as_the_contract_says(backend: Backend) {
    let Some(s) = scim_app(backend, |_| {}).await else {
        return;
    };
    for i in 0..5 {
        let res = s
            .send(
                "POST",
                "/Users",
                Some(json!({ "schemas": [USER], "userName": format!("user{i}"), "externalId": format!("ext-{i}") })),
            )
            .await;
        assert_eq!(res.status(), 201);
    }
    s.group("Team A", &[]).await;
    let list = |query: &'static [(&'static str, &'static str)], path: &'static str| {
        s.app
            .client
            .get(s.app.url(path))
            .query(query)
            .bearer_auth(&s.token)
            .send()
    };
    let page: Value = list(&[("startIndex", "2"), ("count", "2")], "/scim/v2/Users")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["totalResults"], 5);
    assert_eq!(page["startIndex"], 2);
    assert_eq!(page["itemsPerPage"], 2);
    assert_eq!(page["Resources"][0]["userName"], "user1");
    let found: Value = list(&[("filter", "userName eq \"USER3\"")], "/scim/v2/Users")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(found["totalResults"], 1, "userName compares without case");
    assert_eq!(found["Resources"][0]["userName"], "user3");
    let found: Value = list(&[("filter", "externalId eq \"ext-4\"")], "/scim/v2/Users")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(found["Resources"][0]["userName"], "user4");
    let found: Value = list(
        &[("filter", "displayName eq \"team a\"")],
        "/scim/v2/Groups",
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(found["totalResults"], 1);
    let found: Value = list(&[("filter", "externalId eq \"EXT-4\"")], "/scim/v2/Users")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(found["totalResults"], 0, "externalId is case-exact");
}

async fn scim_requests_are_rate_limited_per_client(backend: Backend) {
    let provider = OidcProvider::start().await;
    let mut config = TestConfig::default();
    config.auth.oidc = provider.settings();
    config.limits.scim_requests_per_minute = 2;
    let Some(app) = TestApp::spawn_with(backend, config).await else {
        return;
    };
    let token = app
        .engine
        .provisioning()
        .create_scim_token("t", &Actor::System)
        .await
        .unwrap();
    for _ in 0..2 {
        let res = app
            .client
            .get(app.url("/scim/v2/Users"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }
    let res = app
        .client
        .get(app.url("/scim/v2/Users"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(res.headers().contains_key("retry-after"));
    scim_error(res, 429, None).await;
}
