//! Cases in the staff UI: every page and every action answers each role as the API does,
//! ops runs a case through the forms (provider, case, referees, launch, resend, withdraw,
//! close, cancel, nominate), and user data is escaped on every page.

use engine::domain::{CaseStatus, Role};
use testkit::{TestApp, UI_PASSWORD};
use uuid::Uuid;

use super::{case_in_review, draft_case, flash_of, location};
use crate::{fixtures, on_both_databases};

on_both_databases!(
    every_page_answers_each_role_as_the_api_does,
    every_action_enforces_its_role,
    ops_runs_a_case_through_the_forms,
    user_data_is_escaped_on_every_page,
);

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
            .cases()
            .case(draft.parse().unwrap())
            .await
            .unwrap()
            .status,
        CaseStatus::Draft
    );
    assert_eq!(
        app.engine.cases().case(review).await.unwrap().status,
        CaseStatus::Review
    );
    assert!(
        app.engine
            .reports()
            .case_decision(review)
            .await
            .unwrap()
            .is_none()
    );
    // hr may close collection early, as in the API.
    let collecting = fixtures::launched_case(&app, 1).await;
    let id = collecting.id;
    let res = hr.post(from, &format!("/ui/cases/{id}/close"), &[]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        app.engine.cases().case(id).await.unwrap().status,
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
    // More client organisations than answers cannot be asked for.
    let res = ui
        .post(
            &to,
            "/ui/cases",
            &[
                ("provider_id", &provider_id),
                ("min_responses", "2"),
                ("min_organisations", "3"),
                ("deadline_days", "10"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("Enter a whole number from 1 to 2."), "{html}");
    assert!(html.contains("name=\"min_organisations\"") && html.contains("value=\"3\""));
    let res = ui
        .post(
            &to,
            "/ui/cases",
            &[
                ("provider_id", &provider_id),
                ("title", "IT partner 2027"),
                ("min_responses", "2"),
                ("min_organisations", "2"),
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
    let case = app.engine.cases().case(case_id).await.unwrap();
    assert_eq!(case.min_organisations, 2, "taken from the form");
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
    assert_eq!(app.fetch(&format!("/r/{old}")).await.status(), 404);
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
        app.engine.cases().case(case_id).await.unwrap().status,
        CaseStatus::Review
    );
    let res = ui.post(&case_url, &format!("{case_url}/cancel"), &[]).await;
    assert_eq!(res.status(), 303);
    assert!(flash_of(&ui, &case_url).await.contains("Case cancelled."));
    assert_eq!(
        app.engine.cases().case(case_id).await.unwrap().status,
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
        app.engine.cases().case(other_id).await.unwrap().status,
        CaseStatus::Nominating
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
