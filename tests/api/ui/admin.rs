//! Administration in the staff UI: users (create, role, deactivate, unlock, password
//! reset, the last admin), API tokens, the scoring profile and failed jobs.

use chrono::Duration;
use engine::domain::Role;
use testkit::{TestApp, UI_PASSWORD};

use super::flash_of;
use crate::{fixtures, on_both_databases};

on_both_databases!(
    admin_manages_users_and_their_access,
    admin_manages_tokens_profile_and_failed_jobs,
    admin_creates_a_scim_token_shown_once_and_revokes_it,
);

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
        .accounts()
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
    let token = app
        .engine
        .accounts()
        .create_api_token(nia.id, "script", None, &engine::audit::Actor::System)
        .await
        .unwrap();
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
        .accounts()
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
    assert!(html.contains("Locked for unknown browsers until"));
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
    let info = app.engine.accounts().list_api_tokens().await.unwrap();
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
    let profile = app.engine.questionnaires().profile().await.unwrap();
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
    assert_eq!(
        app.engine.questionnaires().profile().await.unwrap(),
        profile
    );
    fields[0].1 = "4.5".into();
    fields[1].1 = "70".into();
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let res = admin.post("/ui/profile", "/ui/profile", &borrowed).await;
    assert_eq!(res.status(), 303);
    let saved = app.engine.questionnaires().profile().await.unwrap();
    assert_eq!(saved[0].weight, 4.5);
    assert_eq!(saved[0].min_score, 70.0);
    assert_eq!(saved[0].label, profile[0].label);

    // Failed jobs: none, then a dead invitation that is retried and delivered.
    let (_, html) = admin.page("/ui/admin/jobs").await;
    assert!(html.contains("No failed jobs"));
    let case = fixtures::case_with_referees(&app, 1, None).await;
    let referee = case.email(0);
    app.smtp.reject(&referee, 451, "mailbox busy");
    case.launch(&app).await;
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
        .jobs()
        .list_jobs(
            Some(engine::jobs::JobStatus::Dead),
            engine::PageRequest::parse(None, None).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(dead.items.len(), 1);
    app.smtp.accept(&referee);
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
    assert_eq!(app.links_sent_to(&referee).len(), 1);
}

async fn admin_creates_a_scim_token_shown_once_and_revokes_it(app: TestApp) {
    let admin = app.ui_as(Role::Admin).await;
    let tokens = "/ui/admin/tokens";
    let res = admin
        .post(tokens, "/ui/admin/scim-tokens", &[("scim_label", "")])
        .await;
    assert_eq!(res.status(), 422);
    let res = admin
        .post(
            tokens,
            "/ui/admin/scim-tokens",
            &[("scim_label", "Entra ID")],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let html = res.text().await.unwrap();
    let marker = "id=\"new-scim-token\">";
    let start = html.find(marker).unwrap() + marker.len();
    let token = html[start..start + 43].to_owned();
    let scim_users = || {
        app.client
            .get(app.url("/scim/v2/Users"))
            .bearer_auth(&token)
            .send()
    };
    assert_eq!(scim_users().await.unwrap().status(), 200);
    let (_, html) = admin.page(tokens).await;
    assert!(
        html.contains("Entra ID") && !html.contains(&token),
        "shown once"
    );
    let row = app
        .engine
        .provisioning()
        .list_scim_tokens()
        .await
        .unwrap()
        .remove(0);
    let res = admin
        .post(
            tokens,
            &format!("/ui/admin/scim-tokens/{}/revoke", row.id),
            &[],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert!(
        flash_of(&admin, tokens)
            .await
            .contains("SCIM token revoked.")
    );
    assert_eq!(scim_users().await.unwrap().status(), 401);
    // An ops lead cannot make one.
    let ops = app.ui_as(Role::Ops).await;
    let res = ops
        .post_raw("/ui/admin/scim-tokens", &[("scim_label", "x")])
        .await;
    assert_ne!(res.status(), 200);
    assert_eq!(
        app.engine
            .provisioning()
            .list_scim_tokens()
            .await
            .unwrap()
            .len(),
        1
    );
}
