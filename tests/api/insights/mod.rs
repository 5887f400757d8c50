//! Response insights (API.md "Response insights and evidence sufficiency"): the figures of
//! `GET /api/v1/insights/responses` over a scripted set of references whose outcomes are
//! known, on both databases; and the sufficiency of released reports.

mod page;
mod responses;
mod sufficiency;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::Value;
use testkit::TestApp;

use crate::evidence::answer;
use crate::fixtures::{self, CaseWithReferees};

/// What happened to each referee of the scripted case, by index.
pub const BOUNCED: usize = 0;
pub const DECLINED_AFTER_OPENING: usize = 1;
pub const SAVED_A_DRAFT_AND_LEFT: usize = 2;
pub const OPENED_AND_LEFT: usize = 3;
pub const COMPLETED_AFTER_INVITATION: usize = 4;
pub const COMPLETED_AFTER_REMINDER_1: usize = 5;
pub const WITHDRAWN: usize = 6;
pub const COMPLETED_AFTER_REMINDER_2: usize = 7;
pub const OPTED_OUT: usize = 8;

/// A reference check of nine referees (quorum 3) launched at `launched_at`: one bounces,
/// one opens the form and declines, one saves a draft and leaves, one opens and leaves,
/// one completes five minutes after the invitation, one is withdrawn, one opts out, one
/// completes five minutes after the first reminder (day 3) and one five minutes after the
/// second (day 7), which meets quorum. The case still collects afterwards (two referees
/// are still outstanding); the clock stands at day 7 plus five minutes.
pub struct Scripted {
    pub case: CaseWithReferees,
    pub launched_at: DateTime<Utc>,
}

pub async fn scripted_case(app: &TestApp) -> Scripted {
    let case = fixtures::case_with_referees(app, 9, Some(3)).await;
    app.smtp
        .reject(&case.email(BOUNCED), 550, "5.1.1 No such user");
    let launched_at = app.engine.now();
    case.launch(app).await;
    app.engine.run_until_idle().await.unwrap();
    let link_of = |i: usize| {
        app.links_sent_to(&case.email(i))
            .pop()
            .expect("an invitation")
    };

    let link = &link_of(DECLINED_AFTER_OPENING);
    assert_eq!(app.fetch(&format!("/r/{link}")).await.status(), 200);
    let res = app
        .post_form(&format!("/r/{link}/decline"), &[("reason", "too long ago")])
        .await;
    assert_eq!(res.status(), 303, "declined");

    let link = &link_of(SAVED_A_DRAFT_AND_LEFT);
    assert_eq!(app.fetch(&format!("/r/{link}")).await.status(), 200);
    let draft = [("q_values_shared", "4"), ("action", "save")];
    let res = app.post_form(&format!("/r/{link}"), &draft).await;
    assert_eq!(res.status(), 303, "draft saved");

    let link = &link_of(OPENED_AND_LEFT);
    assert_eq!(app.fetch(&format!("/r/{link}")).await.status(), 200);

    let res = app
        .post(
            &format!(
                "/api/v1/references/{}/withdraw",
                case.reference_id(WITHDRAWN)
            ),
            &case.ops,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "withdrawn");

    let link = &link_of(OPTED_OUT);
    let res = app
        .client
        .post(app.url(&format!("/u/{link}")))
        .send()
        .await
        .unwrap();
    assert!(
        res.status().is_success() || res.status().is_redirection(),
        "opted out"
    );

    answer(app, &case.email(COMPLETED_AFTER_INVITATION), 4, "192.0.2.4").await;
    app.engine.run_until_idle().await.unwrap();

    // The first reminder goes out on day 3, the second on day 7.
    app.clock.set(launched_at + Duration::days(3));
    app.engine.run_until_idle().await.unwrap();
    answer(app, &case.email(COMPLETED_AFTER_REMINDER_1), 4, "192.0.2.5").await;
    app.clock.set(launched_at + Duration::days(7));
    app.engine.run_until_idle().await.unwrap();
    answer(app, &case.email(COMPLETED_AFTER_REMINDER_2), 4, "192.0.2.7").await;
    app.engine.run_until_idle().await.unwrap();
    Scripted { case, launched_at }
}

/// An RFC 3339 time as a query parameter (`Z`, so nothing needs escaping).
pub fn param(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The insights from `from` to `to`, read with `token`.
pub async fn insights(app: &TestApp, token: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> Value {
    let res = app
        .get(
            &format!(
                "/api/v1/insights/responses?from={}&to={}",
                param(from),
                param(to)
            ),
            token,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "insights");
    res.json().await.unwrap()
}
