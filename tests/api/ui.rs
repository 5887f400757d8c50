//! The staff web UI over HTTP: signing in and out, lockout and rate limit, CSRF on every
//! form, every page for every role (the API's role rules), and the ops, HR and admin
//! workflows through the forms, with their error pages and flash messages.

use chrono::Duration;
use engine::domain::{CaseStatus, Role};
use engine::entity::session;
use engine::workflow::SubmissionMeta;
use sea_orm::EntityTrait;
use testkit::{Backend, TestApp, TestConfig, UI_PASSWORD, UiClient};
use uuid::Uuid;

use crate::helpers::LIKERT_KEYS;
use crate::{on_both_backends, on_both_databases};

on_both_databases!(
    signing_in_opens_a_session_and_signing_out_ends_it,
    wrong_passwords_are_refused_alike_and_blank_fields_named,
    repeated_wrong_passwords_lock_the_account_for_a_while,
    an_idle_session_expires,
    forms_without_the_sessions_csrf_token_are_refused,
    every_page_answers_each_role_as_the_api_does,
    every_action_enforces_its_role,
    ops_runs_a_case_through_the_forms,
    hr_reads_the_report_and_records_a_decision,
    admin_manages_users_and_their_access,
    admin_manages_tokens_profile_and_failed_jobs,
    user_data_is_escaped_on_every_page,
);

on_both_backends!(
    sign_in_attempts_are_rate_limited_per_address,
    cookies_are_secure_behind_an_https_proxy,
);

fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

fn set_cookies(res: &reqwest::Response) -> Vec<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

/// A provider and a draft case made through the API; returns the case id.
async fn draft_case(app: &TestApp) -> String {
    let token = app.token_for(Role::Ops).await;
    let case = app.create_case(&token).await;
    case["id"].as_str().unwrap().to_owned()
}

/// A launched case with three referees who have all answered: the case is in review.
async fn case_in_review(app: &TestApp) -> Uuid {
    let token = app.token_for(Role::Ops).await;
    let case = app.create_case(&token).await;
    let id = case["id"].as_str().unwrap().to_owned();
    let mut refs = Vec::new();
    for n in 1..=3 {
        refs.push(app.add_reference(&token, &id, n).await);
    }
    let res = app
        .post(&format!("/api/v1/cases/{id}/launch"), &token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    app.engine.run_until_idle().await.unwrap();
    for (i, r) in refs.iter().enumerate() {
        let level = ["5", "4", "2"][i];
        let mut answers: Vec<(String, String)> = LIKERT_KEYS
            .iter()
            .map(|k| ((*k).to_owned(), level.to_owned()))
            .collect();
        answers.push(("rehire".into(), "yes".into()));
        answers.push(("strengths".into(), format!("Strength from referee {i}")));
        app.engine
            .submit_response(
                r["id"].as_str().unwrap().parse().unwrap(),
                answers,
                SubmissionMeta {
                    client_ip: Some(format!("192.0.2.{i}")),
                    user_agent: None,
                },
            )
            .await
            .unwrap();
    }
    app.engine.run_until_idle().await.unwrap();
    let id: Uuid = id.parse().unwrap();
    assert_eq!(
        app.engine.case(id).await.unwrap().status,
        CaseStatus::Review
    );
    id
}

async fn flash_of(ui: &UiClient, path: &str) -> String {
    let (status, html) = ui.page(path).await;
    assert_eq!(status, 200, "{path}");
    let Some(start) = html.find("role=\"status\">") else {
        return String::new();
    };
    let rest = &html[start + "role=\"status\">".len()..];
    rest[..rest.find("</div>").unwrap()].to_owned()
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
    let message = "That email and password do not match an active account.";
    assert!(wrong_html.contains(message) && unknown_html.contains(message));
    // What was typed as email is kept; the password never is.
    assert!(wrong_html.contains(&format!("value=\"{}\"", user.email)));
    assert!(!wrong_html.contains("not the password"));

    // A deactivated account cannot sign in either, with the same answer.
    app.engine
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
    assert_eq!(res.status(), 423, "the fifth wrong password locks");
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("this account is locked until")
    );
    // Locked: even the right password does not open it.
    let res = ui.login(&user.email, UI_PASSWORD).await;
    assert_eq!(res.status(), 423);
    assert!(ui.cookie("vouch_session").is_none());
    let events = engine::entity::audit_event::Entity::find()
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
    let res = app.client.get(app.url("/ui/login")).send().await.unwrap();
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
    assert_eq!(app.engine.purge_ended_sessions().await.unwrap(), 1);
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
    let case = app.engine.case(case.parse().unwrap()).await.unwrap();
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

async fn every_page_answers_each_role_as_the_api_does(app: TestApp) {
    let case = case_in_review(&app).await;
    let admin = app.ui_as(Role::Admin).await;
    let ops = app.ui_as(Role::Ops).await;
    let hr = app.ui_as(Role::Hr).await;
    let anonymous = app.ui();
    // (path, admin, ops, hr) — 200 where the role may see the page, 403 where not.
    let pages: Vec<(String, [u16; 3])> = vec![
        ("/ui/cases".into(), [200, 200, 200]),
        ("/ui/cases?status=review".into(), [200, 200, 200]),
        ("/ui/cases/new".into(), [200, 200, 403]),
        (format!("/ui/cases/{case}"), [200, 200, 200]),
        (format!("/ui/cases/{case}/report"), [200, 200, 200]),
        (format!("/ui/cases/{case}/report.csv"), [200, 200, 200]),
        ("/ui/review".into(), [200, 403, 200]),
        ("/ui/providers".into(), [200, 200, 200]),
        ("/ui/providers/new".into(), [200, 200, 403]),
        ("/ui/profile".into(), [200, 200, 200]),
        ("/ui/admin/users".into(), [200, 403, 403]),
        ("/ui/admin/tokens".into(), [200, 403, 403]),
        ("/ui/admin/jobs".into(), [200, 403, 403]),
    ];
    for (path, expected) in &pages {
        for (ui, want, role) in [
            (&admin, expected[0], "admin"),
            (&ops, expected[1], "ops"),
            (&hr, expected[2], "hr"),
        ] {
            let (status, html) = ui.page(path).await;
            assert_eq!(status, want, "{path} as {role}");
            if status == 403 {
                assert!(html.contains("you are signed in as"), "{path}: {html}");
            }
        }
        let res = anonymous.get(path).await;
        assert_eq!(res.status(), 303, "{path} anonymous");
        assert!(location(&res).starts_with("/ui/login?next="));
    }
    // Each role starts where its work is.
    assert_eq!(location(&hr.get("/ui").await), "/ui/review");
    assert_eq!(location(&ops.get("/ui").await), "/ui/cases");
    assert_eq!(location(&admin.get("/ui/").await), "/ui/cases");
    // The navigation offers only what the role may open.
    let (_, html) = ops.page("/ui/cases").await;
    assert!(!html.contains("href=\"/ui/review\"") && !html.contains("/ui/admin/users"));
    let (_, html) = hr.page("/ui/cases").await;
    assert!(html.contains("href=\"/ui/review\"") && !html.contains("New case"));
    // Unknown pages and ids are a 404 page, not a redirect or a JSON problem.
    for path in [
        "/ui/nowhere",
        "/ui/cases/not-a-uuid",
        &format!("/ui/cases/{}", Uuid::now_v7()),
    ] {
        let res = admin.get(path).await;
        assert_eq!(res.status(), 404, "{path}");
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
    }
}

async fn every_action_enforces_its_role(app: TestApp) {
    let review = case_in_review(&app).await;
    let draft = draft_case(&app).await;
    let ops = app.ui_as(Role::Ops).await;
    let hr = app.ui_as(Role::Hr).await;
    let admin_user = app.staff_user(Role::Admin, UI_PASSWORD).await;
    // hr may not run cases or edit providers; ops may not decide; neither may administer.
    let from = "/ui/profile";
    for (ui, path, fields, role) in [
        (&hr, "/ui/providers".to_owned(), vec![("name", "X")], "hr"),
        (&hr, "/ui/cases".to_owned(), vec![], "hr"),
        (&hr, format!("/ui/cases/{draft}/launch"), vec![], "hr"),
        (&hr, format!("/ui/cases/{draft}/cancel"), vec![], "hr"),
        (
            &hr,
            format!("/ui/cases/{draft}/references"),
            vec![("name", "X")],
            "hr",
        ),
        (
            &ops,
            format!("/ui/cases/{review}/decision"),
            vec![("outcome", "approved"), ("rationale", "ok")],
            "ops",
        ),
        (&ops, "/ui/profile".to_owned(), vec![], "ops"),
        (
            &ops,
            "/ui/admin/users".to_owned(),
            vec![("name", "X")],
            "ops",
        ),
        (
            &hr,
            format!("/ui/admin/users/{}/deactivate", admin_user.id),
            vec![],
            "hr",
        ),
        (
            &ops,
            format!("/ui/admin/users/{}/password", admin_user.id),
            vec![("password", "taken over by ops")],
            "ops",
        ),
        (&ops, "/ui/admin/tokens".to_owned(), vec![], "ops"),
        (
            &hr,
            format!("/ui/admin/jobs/{}/retry", Uuid::now_v7()),
            vec![],
            "hr",
        ),
    ] {
        let res = ui.post(from, &path, &fields).await;
        assert_eq!(res.status(), 403, "{path} as {role}");
    }
    assert_eq!(
        app.engine
            .case(draft.parse().unwrap())
            .await
            .unwrap()
            .status,
        CaseStatus::Draft
    );
    assert_eq!(
        app.engine.case(review).await.unwrap().status,
        CaseStatus::Review
    );
    assert!(app.engine.case_decision(review).await.unwrap().is_none());
    // hr may close collection early, as in the API.
    let token = app.token_for(Role::Ops).await;
    let case = app.create_case(&token).await;
    let id = case["id"].as_str().unwrap();
    app.add_reference(&token, id, 1).await;
    app.post(&format!("/api/v1/cases/{id}/launch"), &token)
        .send()
        .await
        .unwrap();
    let res = hr.post(from, &format!("/ui/cases/{id}/close"), &[]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        app.engine.case(id.parse().unwrap()).await.unwrap().status,
        CaseStatus::Review
    );
}

async fn ops_runs_a_case_through_the_forms(app: TestApp) {
    let ui = app.ui_as(Role::Ops).await;

    // Empty states point at the next step.
    let (_, html) = ui.page("/ui/cases").await;
    assert!(html.contains("No cases yet") && html.contains("Add a provider"));
    let (_, html) = ui.page("/ui/cases/new").await;
    assert!(html.contains("Add the provider first"));

    // A provider form with mistakes comes back with the fields named and input kept.
    let res = ui
        .post(
            "/ui/providers/new",
            "/ui/providers",
            &[
                ("name", "Brightmoor IT"),
                ("category", ""),
                ("website", "not a url"),
                ("contact_name", "Ada"),
                ("contact_email", "ada-at-brightmoor"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    for expected in [
        "Must not be blank.",
        "Must be a valid URL.",
        "Must be a valid email address.",
        "value=\"Brightmoor IT\"",
        "value=\"ada-at-brightmoor\"",
    ] {
        assert!(html.contains(expected), "missing {expected}");
    }
    let res = ui
        .post(
            "/ui/providers/new",
            "/ui/providers",
            &[
                ("name", "Brightmoor IT"),
                ("category", "it"),
                ("website", ""),
                ("contact_name", "Ada Brightmoor"),
                ("contact_email", "ada@brightmoor.example"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let to = location(&res);
    assert!(to.starts_with("/ui/cases/new?provider_id="), "{to}");
    let provider_id = to.rsplit('=').next().unwrap().to_owned();
    let (_, html) = ui.page(&to).await;
    assert!(html.contains("Brightmoor IT added."), "flash shown");
    assert!(html.contains(&format!("value=\"{provider_id}\" selected")));

    // The case form names its bad fields; a good one opens the case.
    let res = ui
        .post(
            &to,
            "/ui/cases",
            &[
                ("provider_id", ""),
                ("min_responses", "0"),
                ("deadline_days", "x"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("Choose the provider to vet."));
    assert!(html.contains("Enter a whole number from 1 to 20."));
    assert!(html.contains("Enter a whole number from 1 to 90."));
    let res = ui
        .post(
            &to,
            "/ui/cases",
            &[
                ("provider_id", &provider_id),
                ("title", "IT partner 2027"),
                ("min_responses", "2"),
                ("deadline_days", "10"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let case_url = location(&res);
    let case_id: Uuid = case_url.rsplit('/').next().unwrap().parse().unwrap();
    let flash = flash_of(&ui, &case_url).await;
    assert!(flash.contains("Case opened."), "{flash}");
    assert_eq!(flash_of(&ui, &case_url).await, "", "a flash is shown once");

    // Launching with nobody to invite is refused with the reason.
    let res = ui.post(&case_url, &format!("{case_url}/launch"), &[]).await;
    assert_eq!(res.status(), 303);
    assert!(flash_of(&ui, &case_url).await.starts_with("Not done:"));

    // References: a bad one comes back named and kept; good ones are listed.
    let add = format!("{case_url}/references");
    let res = ui
        .post(
            &case_url,
            &add,
            &[
                ("name", "Zoë"),
                ("email", "zoe@"),
                ("company", "Acme"),
                ("relationship", "CFO"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("Must be a valid email address.") && html.contains("value=\"zoe@\""));
    for n in 1..=3 {
        let res = ui
            .post(
                &case_url,
                &add,
                &[
                    ("name", &format!("Referee {n}")),
                    ("email", &format!("ref{n}@client{n}.example")),
                    ("company", &format!("Client {n}")),
                    ("relationship", "client since 2022"),
                ],
            )
            .await;
        assert_eq!(res.status(), 303);
    }
    let (_, html) = ui.page(&case_url).await;
    assert_eq!(html.matches("Not invited yet").count(), 3);
    assert!(html.contains("3 references, not launched"));

    // Launch: invitations go out through the queue; the page shows the last email.
    let res = ui.post(&case_url, &format!("{case_url}/launch"), &[]).await;
    assert_eq!(res.status(), 303);
    assert!(flash_of(&ui, &case_url).await.starts_with("Launched."));
    app.engine.run_until_idle().await.unwrap();
    let (_, html) = ui.page(&case_url).await;
    assert_eq!(html.matches("Invitation sent").count(), 3, "{html}");
    assert!(html.contains("0 of 3 answered, due in 10 days"));
    assert!(
        html.contains("Referee 1 was emailed an invitation"),
        "timeline"
    );
    let (_, list) = ui.page("/ui/cases?status=collecting").await;
    assert!(list.contains("IT partner 2027") && list.contains("0 of 3 answered"));

    // Resend: the old link stops working; withdraw; launching twice is refused.
    let case = app.engine.case(case_id).await.unwrap();
    let first = &case.references[0];
    let old = app.links_sent_to(&first.email)[0].clone();
    let res = ui
        .post(
            &case_url,
            &format!("{case_url}/references/{}/resend", first.id),
            &[],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert!(
        flash_of(&ui, &case_url)
            .await
            .contains("A new link is on its way to Referee 1")
    );
    app.engine.run_until_idle().await.unwrap();
    assert_eq!(
        app.client
            .get(app.url(&format!("/r/{old}")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let second = &case.references[1];
    let res = ui
        .post(
            &case_url,
            &format!("{case_url}/references/{}/withdraw", second.id),
            &[],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert!(
        flash_of(&ui, &case_url)
            .await
            .contains("Referee 2 was withdrawn")
    );
    let res = ui.post(&case_url, &format!("{case_url}/launch"), &[]).await;
    assert_eq!(res.status(), 303);
    let flash = flash_of(&ui, &case_url).await;
    assert!(
        flash.contains("cannot launch a case that is collecting answers"),
        "{flash}"
    );
    // A reference of another case is not reachable through this one.
    let other = draft_case(&app).await;
    let res = ui
        .post(
            &case_url,
            &format!("/ui/cases/{other}/references/{}/withdraw", first.id),
            &[],
        )
        .await;
    assert_eq!(res.status(), 404);

    // Close early, then cancel.
    let res = ui.post(&case_url, &format!("{case_url}/close"), &[]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        app.engine.case(case_id).await.unwrap().status,
        CaseStatus::Review
    );
    let res = ui.post(&case_url, &format!("{case_url}/cancel"), &[]).await;
    assert_eq!(res.status(), 303);
    assert!(flash_of(&ui, &case_url).await.contains("Case cancelled."));
    assert_eq!(
        app.engine.case(case_id).await.unwrap().status,
        CaseStatus::Cancelled
    );

    // Asking the provider to nominate, on another case.
    let (_, _) = ui.page(&format!("/ui/cases/{other}")).await;
    let res = ui
        .post(
            &format!("/ui/cases/{other}"),
            &format!("/ui/cases/{other}/nominate"),
            &[("count", "11")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert!(
        flash_of(&ui, &format!("/ui/cases/{other}"))
            .await
            .contains("from 1 to 10")
    );
    let res = ui
        .post(
            &format!("/ui/cases/{other}"),
            &format!("/ui/cases/{other}/nominate"),
            &[("count", "2")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let other_id: Uuid = other.parse().unwrap();
    assert_eq!(
        app.engine.case(other_id).await.unwrap().status,
        CaseStatus::Nominating
    );
}

async fn hr_reads_the_report_and_records_a_decision(app: TestApp) {
    let case = case_in_review(&app).await;
    let hr = app.ui_as(Role::Hr).await;
    let (_, review) = hr.page("/ui/review").await;
    assert!(review.contains("Waiting for your decision (1)"));
    assert!(review.contains(&format!("/ui/cases/{case}/report")));

    let report_url = format!("/ui/cases/{case}/report");
    let (status, html) = hr.page(&report_url).await;
    assert_eq!(status, 200);
    // The chart: one row per dimension of the profile, each referee as a point, the
    // interval and the minimum drawn.
    let dims = app.engine.profile().await.unwrap().len();
    assert!(html.contains("<svg id=\"dimension-chart\""));
    assert_eq!(html.matches("<g class=\"dimension").count(), dims);
    assert_eq!(html.matches("<circle class=\"score\"").count(), dims);
    assert_eq!(html.matches("<circle class=\"referee\"").count(), dims * 3);
    assert_eq!(html.matches("<line class=\"minimum\"").count(), dims);
    assert_eq!(html.matches("<line class=\"interval\"").count(), dims);
    let report = app.engine.case_report(case).await.unwrap();
    let alignment = format!("{}", report.alignment_score.unwrap());
    assert!(html.contains(&alignment), "alignment {alignment} shown");
    // Plain-word flags (a referee rated values 2), agreement, comments and rehire tally.
    assert!(html.contains("A low rating on values or dedication"));
    assert!(html.contains("Strength from referee 0"));
    assert!(html.contains("id=\"rehire-yes\">3<"));
    assert!(html.contains("(weak)") || html.contains("(moderate)") || html.contains("(strong)"));

    // The CSV download is the API's.
    let res = hr.get(&format!("{report_url}.csv")).await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );

    // A decision without rationale or outcome is refused, named, and nothing is stored.
    let decide = format!("/ui/cases/{case}/decision");
    let res = hr
        .post(
            &report_url,
            &decide,
            &[("outcome", "maybe"), ("rationale", "  ")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("Choose approved, approved with conditions or rejected."));
    assert!(html.contains("Must not be blank."));
    assert!(app.engine.case_decision(case).await.unwrap().is_none());

    let rationale = "Strong on values; agree a named partner for month-end before signing.";
    let typed = format!("{rationale}\r\nConditions: see the contract draft.");
    let res = hr
        .post(
            &report_url,
            &decide,
            &[
                ("outcome", "approved_with_conditions"),
                ("rationale", &typed),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), format!("/ui/cases/{case}"));
    let (_, html) = hr.page(&format!("/ui/cases/{case}")).await;
    assert!(html.contains("Decision recorded: Approved with conditions."));
    assert!(html.contains("badge-decided"));
    assert!(html.contains(rationale));
    let decision = app.engine.case_decision(case).await.unwrap().unwrap();
    assert_eq!(decision.outcome.as_str(), "approved_with_conditions");
    assert_eq!(
        decision.rationale,
        format!("{rationale}\nConditions: see the contract draft."),
        "line breaks stored as LF"
    );

    // Deciding twice is refused with the reason; the report shows the decision instead of a form.
    let res = hr
        .post(
            &format!("/ui/cases/{case}"),
            &decide,
            &[("outcome", "rejected"), ("rationale", "again")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let flash = flash_of(&hr, &report_url).await;
    assert!(flash.contains("Not done"), "{flash}");
    let (_, html) = hr.page(&report_url).await;
    assert!(!html.contains("Record decision") && html.contains(rationale));
}

async fn admin_manages_users_and_their_access(app: TestApp) {
    let admin = app.ui_as(Role::Admin).await;
    let users = "/ui/admin/users";
    let res = admin
        .post(
            users,
            users,
            &[
                ("name", ""),
                ("email", "bad"),
                ("role", "boss"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    for expected in [
        "Enter the person",
        "Must be a valid email address.",
        "Choose admin, ops or hr.",
        "Must be 12 to 200 characters long.",
    ] {
        assert!(html.contains(expected), "missing {expected}");
    }
    assert!(
        !html.contains("value=\"short\""),
        "a password is never sent back"
    );

    let password = "a long enough password";
    let res = admin
        .post(
            users,
            users,
            &[
                ("name", "Nia Ops"),
                ("email", "nia@example.com"),
                ("role", "ops"),
                ("password", password),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let res = admin
        .post(
            users,
            users,
            &[
                ("name", "Nia Again"),
                ("email", "NIA@example.com"),
                ("role", "ops"),
                ("password", password),
            ],
        )
        .await;
    assert_eq!(res.status(), 422, "duplicate email");
    let nia = app
        .engine
        .find_user_by_email("nia@example.com")
        .await
        .unwrap()
        .unwrap();
    let nia_ui = app.ui();
    assert_eq!(
        nia_ui.login("nia@example.com", password).await.status(),
        303
    );
    assert_eq!(nia_ui.get("/ui/review").await.status(), 403);

    // A new role applies to her next request.
    let res = admin
        .post(
            users,
            &format!("/ui/admin/users/{}/role", nia.id),
            &[("role", "hr")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert!(flash_of(&admin, users).await.contains("Nia Ops is now hr."));
    assert_eq!(nia_ui.get("/ui/review").await.status(), 200);

    // Deactivation ends her session and her API tokens at once; reactivation restores sign-in.
    let token = app.engine.create_api_token(nia.id, "script").await.unwrap();
    let res = admin
        .post(
            users,
            &format!("/ui/admin/users/{}/deactivate", nia.id),
            &[],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(nia_ui.get("/ui/review").await.status(), 303);
    assert_eq!(
        app.get("/api/v1/me", &token).send().await.unwrap().status(),
        401
    );
    assert_eq!(
        app.ui().login("nia@example.com", password).await.status(),
        401
    );
    let res = admin
        .post(
            users,
            &format!("/ui/admin/users/{}/reactivate", nia.id),
            &[],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        app.ui().login("nia@example.com", password).await.status(),
        303
    );

    // The last active admin cannot demote or deactivate themselves out of the system.
    let me = app
        .engine
        .list_accounts()
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.user.role == Role::Admin)
        .unwrap();
    let res = admin
        .post(
            users,
            &format!("/ui/admin/users/{}/role", me.user.id),
            &[("role", "ops")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert!(flash_of(&admin, users).await.contains("last active admin"));
    let res = admin
        .post(
            users,
            &format!("/ui/admin/users/{}/deactivate", me.user.id),
            &[],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert!(flash_of(&admin, users).await.contains("last active admin"));
    assert_eq!(admin.get(users).await.status(), 200);

    // A locked account is shown as locked and can be unlocked.
    for _ in 0..5 {
        app.ui().login("nia@example.com", "wrong").await;
    }
    let (_, html) = admin.page(users).await;
    assert!(html.contains("Locked until"));
    admin
        .post(
            users,
            &format!("/ui/admin/users/{}/reactivate", nia.id),
            &[],
        )
        .await;
    assert_eq!(
        app.ui().login("nia@example.com", password).await.status(),
        303
    );

    // A forgotten password: the admin sets a new one (12 characters at least), which ends
    // her sessions; the old password stops working.
    let path = format!("/ui/admin/users/{}/password", nia.id);
    let res = admin.post(users, &path, &[("password", "short")]).await;
    assert_eq!(res.status(), 303);
    assert!(flash_of(&admin, users).await.contains("Password not set"));
    let signed_in = app.ui();
    assert_eq!(
        signed_in.login("nia@example.com", password).await.status(),
        303
    );
    let res = admin
        .post(users, &path, &[("password", "a brand new passphrase")])
        .await;
    assert_eq!(res.status(), 303);
    assert!(
        flash_of(&admin, users)
            .await
            .contains("New password set for Nia Ops")
    );
    assert_eq!(signed_in.get("/ui/cases").await.status(), 303, "signed out");
    assert_eq!(
        app.ui().login("nia@example.com", password).await.status(),
        401
    );
    assert_eq!(
        app.ui()
            .login("nia@example.com", "a brand new passphrase")
            .await
            .status(),
        303
    );
}

async fn admin_manages_tokens_profile_and_failed_jobs(app: TestApp) {
    let admin = app.ui_as(Role::Admin).await;
    let ops = app.staff_user(Role::Ops, UI_PASSWORD).await;

    // Tokens: the new one is shown once, works, and stops working when revoked.
    let tokens = "/ui/admin/tokens";
    let res = admin
        .post(tokens, tokens, &[("user_id", "nope"), ("label", "")])
        .await;
    assert_eq!(res.status(), 422);
    let res = admin
        .post(
            tokens,
            tokens,
            &[("user_id", &ops.id.to_string()), ("label", "HRIS sync")],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let html = res.text().await.unwrap();
    let start = html.find("id=\"new-token\">").unwrap() + "id=\"new-token\">".len();
    let token = html[start..start + 43].to_owned();
    let me: serde_json::Value = app
        .get("/api/v1/me", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], ops.email.as_str());
    let (_, html) = admin.page(tokens).await;
    assert!(
        html.contains("HRIS sync") && !html.contains(&token),
        "shown once"
    );
    let info = app.engine.list_api_tokens().await.unwrap();
    let row = info.iter().find(|t| t.label == "HRIS sync").unwrap();
    let res = admin
        .post(tokens, &format!("/ui/admin/tokens/{}/revoke", row.id), &[])
        .await;
    assert_eq!(res.status(), 303);
    assert!(flash_of(&admin, tokens).await.contains("Token revoked."));
    assert_eq!(
        app.get("/api/v1/me", &token).send().await.unwrap().status(),
        401
    );
    admin
        .post(tokens, &format!("/ui/admin/tokens/{}/revoke", row.id), &[])
        .await;
    assert!(flash_of(&admin, tokens).await.contains("already revoked"));

    // Profile: bad numbers are named and nothing changes; good ones are saved.
    let profile = app.engine.profile().await.unwrap();
    let mut fields: Vec<(String, String)> = profile
        .iter()
        .flat_map(|d| {
            [
                (format!("weight_{}", d.key), d.weight.to_string()),
                (format!("min_{}", d.key), d.min_score.to_string()),
            ]
        })
        .collect();
    fields[0].1 = "-1".into();
    fields[1].1 = "101".into();
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let res = admin.post("/ui/profile", "/ui/profile", &borrowed).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("enter a weight above 0") && html.contains("enter a minimum from 0 to 100")
    );
    assert_eq!(app.engine.profile().await.unwrap(), profile);
    fields[0].1 = "4.5".into();
    fields[1].1 = "70".into();
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let res = admin.post("/ui/profile", "/ui/profile", &borrowed).await;
    assert_eq!(res.status(), 303);
    let saved = app.engine.profile().await.unwrap();
    assert_eq!(saved[0].weight, 4.5);
    assert_eq!(saved[0].min_score, 70.0);
    assert_eq!(saved[0].label, profile[0].label);

    // Failed jobs: none, then a dead invitation that is retried and delivered.
    let (_, html) = admin.page("/ui/admin/jobs").await;
    assert!(html.contains("No failed jobs"));
    let token = app.token_for(Role::Ops).await;
    let case = app.create_case(&token).await;
    let id = case["id"].as_str().unwrap();
    let reference = app.add_reference(&token, id, 1).await;
    app.smtp
        .reject(reference["email"].as_str().unwrap(), 451, "mailbox busy");
    app.post(&format!("/api/v1/cases/{id}/launch"), &token)
        .send()
        .await
        .unwrap();
    for _ in 0..8 {
        app.engine.run_until_idle().await.unwrap();
        app.clock.advance(Duration::days(1));
    }
    // Days have passed: the earlier session has expired.
    let admin = app.ui_as(Role::Admin).await;
    let (_, html) = admin.page("/ui/admin/jobs").await;
    assert!(html.contains("invitation"), "{html}");
    let dead = app
        .engine
        .list_jobs(
            Some(engine::jobs::JobStatus::Dead),
            engine::PageRequest::parse(None, None).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(dead.items.len(), 1);
    app.smtp.accept(reference["email"].as_str().unwrap());
    let res = admin
        .post(
            "/ui/admin/jobs",
            &format!("/ui/admin/jobs/{}/retry", dead.items[0].id),
            &[],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert!(
        flash_of(&admin, "/ui/admin/jobs")
            .await
            .contains("Queued again")
    );
    app.engine.run_until_idle().await.unwrap();
    assert_eq!(
        app.links_sent_to(reference["email"].as_str().unwrap())
            .len(),
        1
    );
}

async fn user_data_is_escaped_on_every_page(app: TestApp) {
    let token = app.token_for(Role::Ops).await;
    let evil = "<script>alert(1)</script>";
    let res = app
        .post("/api/v1/providers", &token)
        .json(&serde_json::json!({
            "name": evil, "category": evil, "contact_name": evil,
            "contact_email": "x@evil.example"
        }))
        .send()
        .await
        .unwrap();
    let provider: serde_json::Value = res.json().await.unwrap();
    let res = app
        .post("/api/v1/cases", &token)
        .json(&serde_json::json!({ "provider_id": provider["id"], "title": evil }))
        .send()
        .await
        .unwrap();
    let case: serde_json::Value = res.json().await.unwrap();
    let id = case["id"].as_str().unwrap();
    let admin = app.ui_as(Role::Admin).await;
    for path in [
        "/ui/cases".to_owned(),
        "/ui/providers".to_owned(),
        format!("/ui/cases/{id}"),
        format!("/ui/cases/{id}/report"),
    ] {
        let (status, html) = admin.page(&path).await;
        assert_eq!(status, 200);
        assert!(!html.contains(evil), "{path} shows raw HTML");
        assert!(html.contains("&lt;script&gt;"), "{path}");
    }
}
