//! Account hygiene: changing one's own password, expiring and audited API tokens, and the
//! transport headers.

use engine::audit::Actor;
use engine::domain::Role;
use engine::entity::audit_event;
use sea_orm::EntityTrait;
use testkit::{Backend, TestApp, TestConfig, UI_PASSWORD};

use super::location;
use crate::{on_both_backends, on_both_databases};

on_both_databases!(
    staff_change_their_own_password_and_their_other_sessions_end,
    api_tokens_can_expire_and_their_creation_is_audited,
    api_answers_are_never_cached_and_no_hsts_over_http,
);

on_both_backends!(hsts_is_sent_when_the_public_url_is_https);

async fn staff_change_their_own_password_and_their_other_sessions_end(app: TestApp) {
    let user = app.staff_user(Role::Hr, UI_PASSWORD).await;
    let here = app.ui();
    let elsewhere = app.ui();
    assert_eq!(here.login(&user.email, UI_PASSWORD).await.status(), 303);
    assert_eq!(
        elsewhere.login(&user.email, UI_PASSWORD).await.status(),
        303
    );
    let page = "/ui/account/password";
    assert_eq!(here.get(page).await.status(), 200);

    let res = here
        .post(
            page,
            page,
            &[
                ("current_password", "not it"),
                ("new_password", "my new passphrase"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("his is not your current password")
    );
    let res = here
        .post(
            page,
            page,
            &[("current_password", UI_PASSWORD), ("new_password", "short")],
        )
        .await;
    assert_eq!(res.status(), 422);

    let res = here
        .post(
            page,
            page,
            &[
                ("current_password", UI_PASSWORD),
                ("new_password", "my new passphrase"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/ui");
    assert_eq!(
        here.get("/ui/review").await.status(),
        200,
        "this session stays"
    );
    let res = elsewhere.get("/ui/review").await;
    assert_eq!(res.status(), 303, "the other one ended");
    assert!(location(&res).starts_with("/ui/login"));
    assert_eq!(app.ui().login(&user.email, UI_PASSWORD).await.status(), 401);
    assert_eq!(
        app.ui()
            .login(&user.email, "my new passphrase")
            .await
            .status(),
        303
    );
    assert!(
        audit_event::Entity::find()
            .all(app.engine.db())
            .await
            .unwrap()
            .iter()
            .any(|e| e.kind == "user.password_changed" && e.actor == format!("user:{}", user.id))
    );
}

async fn api_tokens_can_expire_and_their_creation_is_audited(app: TestApp) {
    let admin = app.ui_as(Role::Admin).await;
    let ops = app.staff_user(Role::Ops, UI_PASSWORD).await;
    let page = "/ui/admin/tokens";
    let owner = ops.id.to_string();
    let res = admin
        .post(
            page,
            page,
            &[
                ("user_id", owner.as_str()),
                ("label", "nightly sync"),
                ("expires_days", "0"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("number of days from 1 to 3650"), "{html}");
    let res = admin
        .post(
            page,
            page,
            &[
                ("user_id", owner.as_str()),
                ("label", "nightly sync"),
                ("expires_days", "30"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    let start = html.find("id=\"new-token\">").unwrap() + "id=\"new-token\">".len();
    let token = html[start..start + 43].to_owned();
    assert_eq!(
        app.get("/api/v1/me", &token).send().await.unwrap().status(),
        200
    );

    let created: Vec<_> = audit_event::Entity::find()
        .all(app.engine.db())
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == "api_token.created")
        .collect();
    assert_eq!(created.len(), 1);
    assert!(
        created[0].actor.starts_with("user:"),
        "{}",
        created[0].actor
    );
    assert_eq!(created[0].data["label"], "nightly sync");
    assert!(created[0].data["expires_at"].is_string());
    assert!(
        !created[0].data.to_string().contains(&token),
        "never the token itself"
    );

    app.clock.advance(chrono::Duration::days(31));
    assert_eq!(
        app.get("/api/v1/me", &token).send().await.unwrap().status(),
        401,
        "expired"
    );

    let forever = app
        .engine
        .create_api_token(ops.id, "no expiry", None, &Actor::System)
        .await
        .unwrap();
    assert_eq!(
        app.get("/api/v1/me", &forever)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

async fn api_answers_are_never_cached_and_no_hsts_over_http(app: TestApp) {
    let token = app.token_for(Role::Ops).await;
    let res = app.get("/api/v1/me", &token).send().await.unwrap();
    assert_eq!(res.headers()["cache-control"], "no-store");
    let res = app.get("/api/v1/cases", &token).send().await.unwrap();
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert!(res.headers().get("strict-transport-security").is_none());
    let res = app.fetch("/api/v1/me").await;
    assert_eq!(res.status(), 401);
    assert_eq!(res.headers()["cache-control"], "no-store", "errors too");
}

async fn hsts_is_sent_when_the_public_url_is_https(backend: Backend) {
    let config = TestConfig {
        public_url: Some("https://vouch.example.com".into()),
        ..TestConfig::default()
    };
    let Some(app) = TestApp::spawn_with(backend, config).await else {
        return;
    };
    for path in ["/ui/login", "/healthz", "/api/v1/openapi.json"] {
        let res = app.fetch(path).await;
        assert_eq!(
            res.headers()["strict-transport-security"],
            "max-age=31536000",
            "{path}"
        );
    }
}
