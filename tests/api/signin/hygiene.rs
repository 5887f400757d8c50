//! Account hygiene: changing one's own password, expiring and audited API tokens, and the
//! transport headers.

use engine::audit::Actor;
use engine::domain::Role;
use sea_orm::EntityTrait;
use store::entity::audit_event;
use testkit::{Backend, TestApp, TestConfig, UI_PASSWORD};

use super::location;
use crate::{on_both_backends, on_both_databases};

on_both_databases!(
    staff_change_their_own_password_and_their_other_sessions_end,
    wrong_current_passwords_lock_the_password_form_until_the_lockout_ends,
    api_tokens_can_expire_and_their_creation_is_audited,
    api_answers_are_never_cached_and_no_hsts_over_http,
);

on_both_backends!(
    hsts_is_sent_when_the_public_url_is_https,
    the_password_form_shares_the_sign_in_rate_limit,
    the_sign_in_csrf_cookie_is_host_prefixed_when_the_public_url_is_https,
);

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
        .accounts()
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

async fn change_password(ui: &testkit::UiClient, current: &str) -> reqwest::Response {
    let page = "/ui/account/password";
    ui.post(
        page,
        page,
        &[
            ("current_password", current),
            ("new_password", "my new passphrase"),
        ],
    )
    .await
}

/// A session left open must not be a way to guess the password at leisure: wrong current
/// passwords count like wrong passwords at sign-in, lock the form (429, the right password
/// too), and each check runs through the bounded password pool.
async fn wrong_current_passwords_lock_the_password_form_until_the_lockout_ends(app: TestApp) {
    let user = app.staff_user(Role::Ops, UI_PASSWORD).await;
    let ui = app.ui();
    assert_eq!(ui.login(&user.email, UI_PASSWORD).await.status(), 303);
    let auth = app.engine.auth_settings().clone();
    let pool = app.engine.passwords();

    for attempt in 1..auth.lockout_after_failures {
        let before = pool.runs();
        let res = change_password(&ui, "a guess").await;
        assert_eq!(res.status(), 422, "attempt {attempt}");
        assert_eq!(pool.runs(), before + 1, "checked in the password pool");
    }
    let res = change_password(&ui, "the last guess").await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    let html = res.text().await.unwrap();
    assert!(html.contains("<html"), "a page: {html}");
    assert!(
        audit_event::Entity::find()
            .all(app.engine.db())
            .await
            .unwrap()
            .iter()
            .any(|e| e.kind == "user.locked" && e.data["user_id"] == user.id.to_string()),
        "the lockout is audited like a sign-in lockout"
    );

    // The right password is refused too while the lock holds, without being checked.
    let before = pool.runs();
    let res = change_password(&ui, UI_PASSWORD).await;
    assert_eq!(res.status(), 429);
    assert_eq!(pool.runs(), before, "nothing typed is checked while locked");

    app.clock.advance(chrono::Duration::minutes(
        i64::from(auth.lockout_minutes) + 1,
    ));
    let res = change_password(&ui, UI_PASSWORD).await;
    assert_eq!(res.status(), 303, "after the lockout the form works again");
    assert_eq!(
        app.ui()
            .login(&user.email, "my new passphrase")
            .await
            .status(),
        303
    );
}

/// Sign-in and the password form take from one bucket per client: switching forms buys
/// no guesses.
async fn the_password_form_shares_the_sign_in_rate_limit(backend: Backend) {
    let mut config = TestConfig::default();
    config.limits.login_attempts_per_minute = 3;
    let Some(app) = TestApp::spawn_with(backend, config).await else {
        return;
    };
    let user = app.staff_user(Role::Hr, UI_PASSWORD).await;
    let ui = app.ui();
    assert_eq!(ui.login(&user.email, UI_PASSWORD).await.status(), 303);
    assert_eq!(change_password(&ui, "a guess").await.status(), 422);
    assert_eq!(change_password(&ui, "another guess").await.status(), 422);
    let res = change_password(&ui, UI_PASSWORD).await;
    assert_eq!(res.status(), 429, "the fourth password form in a minute");
    assert!(res.headers().contains_key("retry-after"));
}

/// With an https public URL the pre-session CSRF cookie is `__Host-` prefixed (`Secure`,
/// `Path=/`, no `Domain`), so no sibling subdomain can plant one. The test client talks
/// http and sends the cookie itself, as a browser would over https.
async fn the_sign_in_csrf_cookie_is_host_prefixed_when_the_public_url_is_https(backend: Backend) {
    let config = TestConfig {
        public_url: Some("https://vouch.example.com".into()),
        ..TestConfig::default()
    };
    let Some(app) = TestApp::spawn_with(backend, config).await else {
        return;
    };
    let user = app.staff_user(Role::Ops, UI_PASSWORD).await;
    let ui = app.ui();
    let res = ui.get("/ui/login").await;
    assert_eq!(res.status(), 200);
    let set_cookie: Vec<String> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let presession = set_cookie
        .iter()
        .find(|c| c.starts_with("__Host-vouch_presession="))
        .unwrap_or_else(|| panic!("a __Host- cookie: {set_cookie:?}"));
    let attributes: Vec<&str> = presession.split(';').map(str::trim).collect();
    assert!(attributes.contains(&"Secure"), "{presession}");
    assert!(attributes.contains(&"Path=/"), "{presession}");
    assert!(attributes.contains(&"HttpOnly"), "{presession}");
    assert!(
        !presession.to_ascii_lowercase().contains("domain="),
        "{presession}"
    );
    assert!(
        !set_cookie
            .iter()
            .any(|c| c.starts_with("vouch_presession="))
    );
    let token = ui.cookie("__Host-vouch_presession").unwrap();
    let html = res.text().await.unwrap();
    assert!(html.contains(&token), "the form repeats the cookie's token");

    // The unprefixed name is not the token on this server: refused as a forged form.
    let plain = app.ui();
    plain.set_cookie("vouch_presession", &token);
    let res = plain
        .post_raw(
            "/ui/login",
            &[
                ("csrf", token.as_str()),
                ("email", user.email.as_str()),
                ("password", UI_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status(), 403);

    // With the prefixed cookie the sign-in works, and the cookie is deleted the same way.
    let res = ui.login(&user.email, UI_PASSWORD).await;
    assert_eq!(res.status(), 303);
    let deleted = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("__Host-vouch_presession="))
        .expect("the pre-session cookie is deleted");
    assert!(
        deleted.contains("Max-Age=0") && deleted.contains("Path=/;"),
        "{deleted}"
    );

    // The first-run setup form, used before there is a session too.
    let token = app
        .engine
        .accounts()
        .first_run_setup_token()
        .await
        .unwrap()
        .expect("no admin yet: a link");
    let path = format!("/ui/setup/{token}");
    let setup = app.ui();
    let res = setup.get(&path).await;
    assert_eq!(res.status(), 200);
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("__Host-vouch_presession="))
        .expect("the setup page sets the prefixed cookie");
    assert!(
        cookie.contains("; Secure") && cookie.contains("Path=/;"),
        "{cookie}"
    );
    let res = setup
        .post(
            &path,
            &path,
            &[
                ("email", "not an email"),
                ("name", ""),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        422,
        "past the CSRF check, to the form's own rules"
    );
}
