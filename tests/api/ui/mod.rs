//! The staff web UI over HTTP, by flow: signing in and out (`auth`), the role rules of
//! every page and action and the ops case workflow through the forms (`cases`), HR's
//! report and decision (`report`), the engagements after an approval (`engagements`),
//! calibration and a provider's history (`insights`), and administration (`admin`). This
//! module holds the helpers they share.

use engine::domain::{CaseStatus, Role};
use testkit::{TestApp, UiClient};
use uuid::Uuid;

use crate::fixtures;

mod admin;
mod auth;
mod cases;
mod engagements;
mod insights;
mod privacy;
mod report;

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

/// A launched case with three referees who have all answered (ratings 5, 4 and 2): the
/// case is in review.
async fn case_in_review(app: &TestApp) -> Uuid {
    let case = fixtures::launched_case(app, 3).await;
    case.answer_all(app, &["5", "4", "2"]).await;
    assert_eq!(
        app.engine.cases().case(case.id).await.unwrap().status,
        CaseStatus::Review
    );
    case.id
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
