//! The admins' privacy page and the legal hold on the case page: look an address up, download
//! the export, erase it (only with a reason and the confirmation); other roles are refused.

use engine::domain::Role;
use testkit::TestApp;

use super::flash_of;
use crate::on_both_databases;

on_both_databases!(admins_look_up_download_and_erase_an_address_and_hold_a_case);

async fn admins_look_up_download_and_erase_an_address_and_hold_a_case(app: TestApp) {
    let case = crate::privacy::decided_case(&app).await;
    let email = case.email(0);
    let page = "/ui/admin/privacy";
    let ops = app.ui_as(Role::Ops).await;
    assert_eq!(ops.page(page).await.0, 403);
    let admin = app.ui_as(Role::Admin).await;
    let (status, html) = admin.page(page).await;
    assert_eq!(status, 200);
    assert!(html.contains("Erase an address"), "{html}");

    // Look-up: on the answer itself, the address never in a URL.
    let res = admin
        .post(page, "/ui/admin/privacy/lookup", &[("email", &email)])
        .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Referee 1") && html.contains("1 reference request"),
        "{html}"
    );
    let res = admin
        .post(
            page,
            "/ui/admin/privacy/lookup",
            &[("email", "not an address")],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Enter an email address.")
    );

    // The download is the API's export.
    let res = admin
        .post(page, "/ui/admin/privacy/export", &[("email", &email)])
        .await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let export: serde_json::Value = res.json().await.unwrap();
    assert_eq!(export["references"][0]["name"], "Referee 1");

    // Erasure needs a reason and the ticked box.
    let res = admin
        .post(
            page,
            "/ui/admin/privacy/erase",
            &[("erase_email", &email), ("reason", "")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Say why") && html.contains("Tick the box"),
        "{html}"
    );
    assert_eq!(
        app.engine
            .subject_access(&email)
            .await
            .unwrap()
            .references
            .len(),
        1
    );
    let res = admin
        .post(
            page,
            "/ui/admin/privacy/erase",
            &[
                ("erase_email", &email),
                ("reason", "Asked by phone"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Erased") && html.contains("1 reference request"),
        "{html}"
    );
    let left = app.engine.subject_access(&email).await.unwrap();
    assert!(left.references.is_empty() && left.opted_out);

    // Legal hold from the case page, by admins only.
    let case_page = format!("/ui/cases/{}", case.id);
    let hold = format!("/ui/cases/{}/hold", case.id);
    let res = admin
        .post(&case_page, &hold, &[("reason", "Claim 7 of 2026")])
        .await;
    assert_eq!(res.status(), 303);
    assert!(
        flash_of(&admin, &case_page)
            .await
            .contains("Legal hold placed")
    );
    let (_, html) = admin.page(&case_page).await;
    assert!(html.contains("On hold") && html.contains("Claim 7 of 2026"));
    assert!(html.contains("Referee (identity erased)"), "{html}");
    let ops_case = ops.page(&case_page).await.1;
    assert!(!ops_case.contains("Place a legal hold") && !ops_case.contains("Lift hold"));
    let res = ops.post(&case_page, &hold, &[("reason", "x")]).await;
    assert_eq!(res.status(), 403);
    let res = admin
        .post(&case_page, &format!("{hold}/release"), &[])
        .await;
    assert_eq!(res.status(), 303);
    assert!(
        flash_of(&admin, &case_page)
            .await
            .contains("Legal hold lifted")
    );
    assert!(
        app.engine
            .privacy()
            .case_hold(case.id)
            .await
            .unwrap()
            .is_none()
    );
}
