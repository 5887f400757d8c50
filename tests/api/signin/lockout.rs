//! Password sign-in: one answer for every refusal, device cookies, and containment.

use std::net::IpAddr;

use engine::domain::Role;
use sea_orm::EntityTrait;
use store::entity::audit_event;
use testkit::{Backend, TestApp, TestConfig, UI_PASSWORD, UiClient};

use super::{set_cookies, without_csrf};
use crate::{on_both_backends, on_both_databases};

on_both_databases!(
    unknown_email_wrong_password_and_locked_account_get_the_same_answer,
    a_known_browser_still_signs_in_while_guessers_are_locked_out,
);

on_both_backends!(
    a_burst_of_sign_ins_is_capped_and_answered_429_not_queued,
    ipv6_clients_share_one_sign_in_limit_per_64_prefix,
);

async fn audit_kinds(app: &TestApp) -> Vec<(String, serde_json::Value)> {
    audit_event::Entity::find()
        .all(app.engine.db())
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.kind, e.data))
        .collect()
}

async fn sign_out(ui: &UiClient) {
    let res = ui.post("/ui/cases", "/ui/logout", &[]).await;
    assert_eq!(res.status(), 303);
}

async fn unknown_email_wrong_password_and_locked_account_get_the_same_answer(app: TestApp) {
    let known = app.staff_user(Role::Admin, UI_PASSWORD).await;
    let locked = app.staff_user(Role::Ops, UI_PASSWORD).await;
    for _ in 0..5 {
        app.ui().login(&locked.email, "a guess").await;
    }
    assert!(
        audit_kinds(&app)
            .await
            .iter()
            .any(|(kind, data)| kind == "user.locked" && data["user_id"] == locked.id.to_string()),
        "the lockout is in the audit log"
    );

    let ui = app.ui();
    let pool = app.engine.passwords();
    let mut answers = Vec::new();
    for (email, password) in [
        ("nobody-at-all@example.com", UI_PASSWORD),
        (known.email.as_str(), "not the password"),
        (locked.email.as_str(), UI_PASSWORD),
    ] {
        let before = pool.runs();
        let res = ui.login(email, password).await;
        // Every answer costs one argon2 check, so none is quicker than the others.
        assert_eq!(pool.runs(), before + 1, "one password check for {email}");
        let status = res.status().as_u16();
        let cookies = set_cookies(&res);
        let content_type = res.headers()["content-type"].to_str().unwrap().to_owned();
        let body = without_csrf(&res.text().await.unwrap());
        answers.push((status, cookies, content_type, body));
    }
    assert_eq!(answers[0].0, 401);
    assert!(answers[0].3.contains("do not match an account"));
    assert_eq!(answers[0], answers[1], "unknown email and wrong password");
    assert_eq!(answers[0], answers[2], "unknown email and locked account");

    // A fresh browser gets the same answers, token aside.
    let other = app.ui();
    let res = other.login("nobody-at-all@example.com", UI_PASSWORD).await;
    assert_eq!(without_csrf(&res.text().await.unwrap()), answers[0].3);
}

async fn a_known_browser_still_signs_in_while_guessers_are_locked_out(app: TestApp) {
    let owner = app.staff_user(Role::Admin, UI_PASSWORD).await;
    let laptop = app.ui();
    let res = laptop.login(&owner.email, UI_PASSWORD).await;
    assert_eq!(res.status(), 303);
    let device = set_cookies(&res)
        .into_iter()
        .find(|c| c.starts_with("vouch_device="))
        .expect("a device cookie");
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/ui/login"] {
        assert!(device.contains(attr), "{device} lacks {attr}");
    }
    sign_out(&laptop).await;

    // Someone else guesses until the account locks for unknown browsers; then even the
    // right password does not open it from there, nor with a forged device cookie, nor
    // with the device cookie of their own account.
    let attacker = app.ui();
    for _ in 0..5 {
        assert_eq!(attacker.login(&owner.email, "guess").await.status(), 401);
    }
    assert_eq!(
        attacker.login(&owner.email, UI_PASSWORD).await.status(),
        401
    );
    let forged = app.ui();
    let real = laptop.cookie("vouch_device").unwrap();
    let (id, _) = real.split_once('.').unwrap();
    forged.set_cookie(
        "vouch_device",
        &format!("{id}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
    );
    assert_eq!(forged.login(&owner.email, UI_PASSWORD).await.status(), 401);
    let mallory = app.staff_user(Role::Hr, "mallory's own passphrase").await;
    assert_eq!(
        attacker
            .login(&mallory.email, "mallory's own passphrase")
            .await
            .status(),
        303
    );
    sign_out(&attacker).await;
    assert_eq!(
        attacker.login(&owner.email, UI_PASSWORD).await.status(),
        401
    );
    let events = audit_kinds(&app).await;
    assert!(events.iter().any(|(kind, data)| kind == "user.locked"
        && data["user_id"] == owner.id.to_string()
        && data["for"] == "unknown_browsers"));

    // The owner's own browser signs in all the same.
    assert_eq!(laptop.login(&owner.email, UI_PASSWORD).await.status(), 303);
    sign_out(&laptop).await;

    // Wrong passwords from the known browser lock that browser alone (a stolen laptop
    // gets no more tries than anyone), and the audit log says so.
    for _ in 0..5 {
        assert_eq!(laptop.login(&owner.email, "typo").await.status(), 401);
    }
    assert_eq!(laptop.login(&owner.email, UI_PASSWORD).await.status(), 401);
    assert!(audit_kinds(&app).await.iter().any(
        |(kind, data)| kind == "user.device_locked" && data["user_id"] == owner.id.to_string()
    ));
    // Both lockouts end by themselves.
    app.clock.advance(chrono::Duration::minutes(16));
    assert_eq!(laptop.login(&owner.email, UI_PASSWORD).await.status(), 303);
}

async fn a_burst_of_sign_ins_is_capped_and_answered_429_not_queued(backend: Backend) {
    let mut config = TestConfig::default();
    config.auth.hash_concurrency = 1;
    config.auth.max_concurrent_sign_ins = 2;
    let Some(app) = TestApp::spawn_with(backend, config).await else {
        return;
    };
    let user = app.staff_user(Role::Ops, UI_PASSWORD).await;
    let ui = app.ui();
    let (_, html) = ui.page("/ui/login").await;
    let csrf = testkit::csrf_of(&html).unwrap();
    let mut burst = tokio::task::JoinSet::new();
    for _ in 0..24 {
        let (ui, csrf, email) = (ui.clone(), csrf.clone(), user.email.clone());
        burst.spawn(async move {
            let res = ui
                .post_raw(
                    "/ui/login",
                    &[
                        ("csrf", csrf.as_str()),
                        ("email", email.as_str()),
                        ("password", "wrong"),
                    ],
                )
                .await;
            let status = res.status().as_u16();
            let retry_after = res.headers().get("retry-after").is_some();
            (status, retry_after)
        });
    }
    let answers = burst.join_all().await;
    assert!(
        answers.iter().all(|(s, _)| *s == 401 || *s == 429),
        "{answers:?}"
    );
    assert!(
        answers.iter().any(|(s, _)| *s == 429),
        "the cap turned some away"
    );
    assert!(
        answers.iter().any(|(s, _)| *s == 401),
        "and served the others"
    );
    assert!(answers.iter().filter(|(s, _)| *s == 429).all(|(_, r)| *r));
    assert_eq!(
        app.engine.passwords().peak(),
        1,
        "one password check at a time"
    );
    // Afterwards, sign-in works as before.
    app.clock.advance(chrono::Duration::minutes(16));
    assert_eq!(app.ui().login(&user.email, UI_PASSWORD).await.status(), 303);
}

/// Posts a wrong password to the sign-in form as a proxy forwarding for `client`.
async fn attempt_from(app: &TestApp, client: IpAddr) -> u16 {
    let page = app.fetch("/ui/login").await;
    let cookie = set_cookies(&page)
        .into_iter()
        .find(|c| c.starts_with("vouch_presession="))
        .unwrap();
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let csrf = testkit::csrf_of(&page.text().await.unwrap()).unwrap();
    app.client
        .post(app.url("/ui/login"))
        .header("cookie", cookie)
        .header("x-forwarded-for", client.to_string())
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "x@example.com"),
            ("password", "y"),
        ])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn ipv6_clients_share_one_sign_in_limit_per_64_prefix(backend: Backend) {
    let mut config = TestConfig {
        trusted_proxies: vec!["127.0.0.1".into()],
        ..TestConfig::default()
    };
    config.limits.login_attempts_per_minute = 2;
    let Some(app) = TestApp::spawn_with(backend, config).await else {
        return;
    };
    let ip = |s: &str| s.parse::<IpAddr>().unwrap();
    assert_eq!(attempt_from(&app, ip("2001:db8:1:2::1")).await, 401);
    assert_eq!(attempt_from(&app, ip("2001:db8:1:2::2")).await, 401);
    assert_eq!(
        attempt_from(&app, ip("2001:db8:1:2:abcd:ef01:2345:6789")).await,
        429,
        "a third address in the same /64 is the same client"
    );
    assert_eq!(
        attempt_from(&app, ip("2001:db8:1:3::1")).await,
        401,
        "the next /64 is not"
    );
    assert_eq!(attempt_from(&app, ip("198.51.100.7")).await, 401);
}
