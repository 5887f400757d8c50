//! Signing in to the staff UI and staying safe while signed in: sign in and out, wrong
//! passwords, lockout, the per-address rate limit, secure cookies behind a proxy, idle
//! sessions, and the CSRF token on every form.

use chrono::Duration;
use engine::domain::{CaseStatus, Role};
use sea_orm::EntityTrait;
use store::entity::session;
use testkit::{Backend, TestApp, TestConfig, UI_PASSWORD};
use uuid::Uuid;

use super::{draft_case, location, set_cookies};
use crate::{on_both_backends, on_both_databases};

on_both_databases!(
    signing_in_opens_a_session_and_signing_out_ends_it,
    wrong_passwords_are_refused_alike_and_blank_fields_named,
    repeated_wrong_passwords_lock_the_account_for_a_while,
    an_idle_session_expires,
    forms_without_the_sessions_csrf_token_are_refused,
    the_site_root_leads_to_the_staff_ui,
);

on_both_backends!(
    sign_in_attempts_are_rate_limited_per_address,
    cookies_are_secure_behind_an_https_proxy,
);

async fn the_site_root_leads_to_the_staff_ui(app: TestApp) {
    let ui = app.ui();
    let res = ui.get("/").await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/ui");
    // Not signed in, /ui goes on to the sign-in page.
    let res = ui.get("/ui").await;
    assert_eq!(res.status(), 303);
    assert!(
        location(&res).starts_with("/ui/login"),
        "{}",
        location(&res)
    );
}

async fn signing_in_opens_a_session_and_signing_out_ends_it(app: TestApp) {
    let user = app.staff_user(Role::Ops, UI_PASSWORD).await;
    let ui = app.ui();

    // Not signed in: every page leads to the sign-in page, which comes back afterwards.
    let res = ui.get("/ui/cases?status=draft").await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        location(&res),
        "/ui/login?next=%2Fui%2Fcases%3Fstatus%3Ddraft"
    );
    let res = ui
        .get("/ui/login?next=%2Fui%2Fcases%3Fstatus%3Ddraft")
        .await;
    assert_eq!(res.status(), 200);
    assert!(
        set_cookies(&res)
            .iter()
            .any(|c| c.starts_with("vouch_presession=") && c.contains("HttpOnly"))
    );

    let res = ui
        .post(
            "/ui/login",
            "/ui/login",
            &[
                ("email", &user.email.to_uppercase()),
                ("password", UI_PASSWORD),
                ("next", "/ui/cases?status=draft"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/ui/cases?status=draft");
    let cookie = set_cookies(&res)
        .into_iter()
        .find(|c| c.starts_with("vouch_session="))
        .expect("session cookie");
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/ui"] {
        assert!(cookie.contains(attr), "{cookie} lacks {attr}");
    }
    assert!(!cookie.contains("Secure"), "plain http: {cookie}");
    let token = ui.cookie("vouch_session").unwrap();

    // Only the hash of the cookie is stored.
    let rows = session::Entity::find().all(app.engine.db()).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_ne!(rows[0].token_hash, token);
    assert_eq!(rows[0].token_hash, engine::credentials::token_hash(&token));

    let (status, html) = ui.page("/ui/cases").await;
    assert_eq!(status, 200);
    assert!(html.contains("Test ops"), "the page names who is signed in");

    // Signed in, the sign-in page sends you on; after signing out the cookie is gone and
    // the old token opens nothing.
    let res = ui.get("/ui/login").await;
    assert_eq!(res.status(), 303);
    let res = ui.post("/ui/cases", "/ui/logout", &[]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/ui/login?signed_out=1");
    assert!(ui.cookie("vouch_session").is_none());
    assert!(
        session::Entity::find()
            .all(app.engine.db())
            .await
            .unwrap()
            .is_empty()
    );
    let (_, html) = ui.page("/ui/login?signed_out=1").await;
    assert!(html.contains("You are signed out."));
    ui.set_cookie("vouch_session", &token);
    let res = ui.get("/ui/cases").await;
    assert_eq!(res.status(), 303);
    assert!(location(&res).starts_with("/ui/login"));
}

async fn wrong_passwords_are_refused_alike_and_blank_fields_named(app: TestApp) {
    let user = app.staff_user(Role::Hr, UI_PASSWORD).await;
    let api_only = app.staff_user(Role::Hr, UI_PASSWORD).await;
    let ui = app.ui();
    let wrong = ui.login(&user.email, "not the password").await;
    assert_eq!(wrong.status(), 401);
    assert!(
        set_cookies(&wrong)
            .iter()
            .all(|c| !c.starts_with("vouch_session="))
    );
    let wrong_html = wrong.text().await.unwrap();
    let unknown = ui.login("nobody@example.com", UI_PASSWORD).await;
    assert_eq!(unknown.status(), 401);
    let unknown_html = unknown.text().await.unwrap();
    let message = "That email and password do not match an account that may sign in now.";
    assert!(wrong_html.contains(message) && unknown_html.contains(message));
    // Nothing typed is echoed: the page must not differ between an account and none.
    assert!(!wrong_html.contains(&user.email));
    assert!(!wrong_html.contains("not the password"));

    // A deactivated account cannot sign in either, with the same answer.
    app.engine
        .accounts()
        .set_user_active(api_only.id, false, &engine::audit::Actor::System)
        .await
        .unwrap();
    let res = ui.login(&api_only.email, UI_PASSWORD).await;
    assert_eq!(res.status(), 401);

    let res = ui.login("", "").await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("Enter your email address.") && html.contains("Enter your password."));
    assert!(
        session::Entity::find()
            .all(app.engine.db())
            .await
            .unwrap()
            .is_empty()
    );
}

async fn repeated_wrong_passwords_lock_the_account_for_a_while(app: TestApp) {
    let user = app.staff_user(Role::Ops, UI_PASSWORD).await;
    let ui = app.ui();
    for _ in 0..4 {
        assert_eq!(ui.login(&user.email, "guess").await.status(), 401);
    }
    let res = ui.login(&user.email, "guess").await;
    assert_eq!(
        res.status(),
        401,
        "the fifth wrong password locks, and says so no differently"
    );
    // Locked for browsers it never signed in from: even the right password does not open it.
    let res = ui.login(&user.email, UI_PASSWORD).await;
    assert_eq!(res.status(), 401);
    assert!(ui.cookie("vouch_session").is_none());
    let events = store::entity::audit_event::Entity::find()
        .all(app.engine.db())
        .await
        .unwrap();
    assert!(events.iter().any(|e| e.kind == "user.locked"));

    // After the lockout (15 minutes) the right password works and the count starts over.
    app.clock.advance(Duration::minutes(16));
    assert_eq!(ui.login(&user.email, UI_PASSWORD).await.status(), 303);
    let other = app.ui();
    for _ in 0..4 {
        assert_eq!(other.login(&user.email, "guess").await.status(), 401);
    }
    assert_eq!(app.ui().login(&user.email, UI_PASSWORD).await.status(), 303);
}

async fn sign_in_attempts_are_rate_limited_per_address(backend: Backend) {
    let mut config = TestConfig::default();
    config.limits.login_attempts_per_minute = 3;
    let Some(app) = TestApp::spawn_with(backend, config).await else {
        return;
    };
    let ui = app.ui();
    for _ in 0..3 {
        assert_eq!(ui.login("someone@example.com", "guess").await.status(), 401);
    }
    let res = ui.login("someone@example.com", "guess").await;
    assert_eq!(res.status(), 429);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
    assert!(res.text().await.unwrap().contains("Too many attempts"));
    // Pages other than the sign-in form are not limited by it.
    assert_eq!(ui.get("/ui/login").await.status(), 200);
}

async fn cookies_are_secure_behind_an_https_proxy(backend: Backend) {
    let config = TestConfig {
        trusted_proxies: vec!["127.0.0.1".into()],
        ..TestConfig::default()
    };
    let Some(app) = TestApp::spawn_with(backend, config).await else {
        return;
    };
    let res = app
        .client
        .get(app.url("/ui/login"))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    let cookies = set_cookies(&res);
    assert!(
        cookies.iter().all(|c| c.ends_with("; Secure")),
        "{cookies:?}"
    );
    let res = app.fetch("/ui/login").await;
    assert!(set_cookies(&res).iter().all(|c| !c.contains("Secure")));
}

async fn an_idle_session_expires(app: TestApp) {
    let ui = app.ui_as(Role::Ops).await;
    app.clock.advance(Duration::hours(11));
    assert_eq!(
        ui.get("/ui/cases").await.status(),
        200,
        "activity keeps it alive"
    );
    app.clock.advance(Duration::hours(11));
    assert_eq!(ui.get("/ui/cases").await.status(), 200);
    app.clock.advance(Duration::minutes(721));
    let res = ui.get("/ui/cases").await;
    assert_eq!(res.status(), 303, "idle for longer than 12 hours");
    assert!(
        session::Entity::find()
            .all(app.engine.db())
            .await
            .unwrap()
            .is_empty()
    );

    // Sessions nobody presents again are removed by the hourly housekeeping.
    let kept = app.ui_as(Role::Hr).await;
    let _forgotten = app.ui_as(Role::Ops).await;
    app.clock.advance(Duration::hours(6));
    assert_eq!(kept.get("/ui/cases").await.status(), 200);
    app.clock.advance(Duration::hours(7));
    assert_eq!(
        app.engine.accounts().purge_ended_sessions().await.unwrap(),
        1
    );
    let left = session::Entity::find().all(app.engine.db()).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(kept.get("/ui/cases").await.status(), 200);
}

async fn forms_without_the_sessions_csrf_token_are_refused(app: TestApp) {
    let ui = app.ui_as(Role::Admin).await;
    let fields = [
        ("name", "Forged Ltd"),
        ("category", "it"),
        ("contact_name", "Mallory"),
        ("contact_email", "mallory@forged.example"),
    ];
    // No token, a wrong one, and another session's valid token: all refused.
    let other = app.ui_as(Role::Admin).await;
    let (_, other_page) = other.page("/ui/providers/new").await;
    let others = testkit::csrf_of(&other_page).unwrap();
    for csrf in [None, Some("forged"), Some(others.as_str())] {
        let mut all = fields.to_vec();
        if let Some(c) = csrf {
            all.push(("csrf", c));
        }
        let res = ui.post_raw("/ui/providers", &all).await;
        assert_eq!(res.status(), 403, "csrf {csrf:?}");
        assert!(
            res.text()
                .await
                .unwrap()
                .contains("security token is missing or out of date")
        );
    }
    let token = app.token_for(Role::Ops).await;
    let listed: serde_json::Value = app
        .get("/api/v1/providers", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        listed["items"].as_array().unwrap().len(),
        0,
        "nothing was created"
    );

    // Every form of the UI checks it, sign-in and sign-out included.
    let case = draft_case(&app).await;
    let id = Uuid::now_v7();
    for path in [
        "/ui/logout".to_owned(),
        "/ui/cases".to_owned(),
        format!("/ui/cases/{case}/references"),
        format!("/ui/cases/{case}/nominate"),
        format!("/ui/cases/{case}/launch"),
        format!("/ui/cases/{case}/cancel"),
        format!("/ui/cases/{case}/close"),
        format!("/ui/cases/{case}/decision"),
        format!("/ui/cases/{case}/references/{id}/resend"),
        format!("/ui/cases/{case}/references/{id}/withdraw"),
        "/ui/providers".to_owned(),
        "/ui/profile".to_owned(),
        "/ui/admin/users".to_owned(),
        format!("/ui/admin/users/{id}/role"),
        format!("/ui/admin/users/{id}/password"),
        format!("/ui/admin/users/{id}/deactivate"),
        format!("/ui/admin/users/{id}/reactivate"),
        "/ui/admin/tokens".to_owned(),
        format!("/ui/admin/tokens/{id}/revoke"),
        format!("/ui/admin/jobs/{id}/retry"),
    ] {
        let res = ui.post_raw(&path, &[("role", "admin")]).await;
        assert_eq!(res.status(), 403, "{path}");
    }
    let case = app
        .engine
        .cases()
        .case(case.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(case.status, CaseStatus::Draft);
    assert_eq!(ui.get("/ui/cases").await.status(), 200, "still signed in");

    // Signing in needs the form's token too (its cookie before there is a session).
    let fresh = app.ui();
    let res = fresh
        .post_raw(
            "/ui/login",
            &[("email", "x@example.com"), ("password", "y")],
        )
        .await;
    assert_eq!(res.status(), 403);
    let _ = fresh.get("/ui/login").await;
    let res = fresh
        .post_raw(
            "/ui/login",
            &[
                ("csrf", "guess"),
                ("email", "x@example.com"),
                ("password", "y"),
            ],
        )
        .await;
    assert_eq!(res.status(), 403);
}
