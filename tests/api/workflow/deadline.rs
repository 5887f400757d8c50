//! Time passing on the test clock while a case collects answers: reminders, the deadline,
//! and the quorum that moves a case to review early or waits for outstanding referees.

use chrono::Duration;
use engine::workflow::SubmissionMeta;
use testkit::TestApp;
use uuid::Uuid;

use super::{case_json, reference_row, subjects_to};
use crate::{fixtures, on_both_databases};

on_both_databases!(
    silent_referee_is_reminded_twice_then_expires_and_the_case_goes_to_review,
    quorum_with_nothing_outstanding_moves_to_review_early_and_stops_reminders,
    quorum_waits_for_outstanding_referees_until_they_answer_or_decline,
    a_worker_catching_up_after_the_deadline_sends_no_stale_reminders,
);

/// The worker was down from launch until after the deadline: the reminders due on days 3
/// and 7 run before the deadline job, and must not send links that already answer 410.
async fn a_worker_catching_up_after_the_deadline_sends_no_stale_reminders(app: TestApp) {
    let s = fixtures::launched_case_with_quorum(&app, 1, 1).await;
    let referee = s.email(0);
    assert_eq!(subjects_to(&app, &referee).len(), 1, "the invitation");
    app.clock.advance(Duration::days(20));
    app.engine.run_until_idle().await.unwrap();
    assert_eq!(
        subjects_to(&app, &referee).len(),
        1,
        "no reminder after the deadline"
    );
    let row = reference_row(&app, &s.references[0]).await;
    assert_eq!(row.status, "expired");
    assert_eq!(row.reminders_sent, 0);
}

async fn silent_referee_is_reminded_twice_then_expires_and_the_case_goes_to_review(app: TestApp) {
    let s = fixtures::launched_case_with_quorum(&app, 1, 1).await;
    let referee = s.email(0);
    assert_eq!(subjects_to(&app, &referee).len(), 1);

    // Day 2: nothing yet.
    app.clock.advance(Duration::days(2));
    app.engine.run_until_idle().await.unwrap();
    assert_eq!(subjects_to(&app, &referee).len(), 1);

    // Day 3: first reminder.
    app.clock.advance(Duration::days(1));
    app.engine.run_until_idle().await.unwrap();
    let subjects = subjects_to(&app, &referee);
    assert_eq!(subjects.len(), 2);
    assert_eq!(
        reference_row(&app, &s.references[0]).await.reminders_sent,
        1
    );

    // Day 7: second reminder, worded differently.
    app.clock.advance(Duration::days(4));
    app.engine.run_until_idle().await.unwrap();
    let subjects = subjects_to(&app, &referee);
    assert_eq!(subjects.len(), 3);
    assert_ne!(subjects[1], subjects[2], "the two reminders differ");
    let row = reference_row(&app, &s.references[0]).await;
    assert_eq!(row.reminders_sent, 2);
    assert_eq!(row.status, "invited", "reminders do not change the state");
    // Every reminder carried a working link.
    assert_eq!(app.links_sent_to(&referee).len(), 3);

    // Day 13: still collecting.
    app.clock.advance(Duration::days(6));
    app.engine.run_until_idle().await.unwrap();
    assert_eq!(case_json(&app, &s).await["status"], "collecting");

    // Day 14: the deadline.
    app.clock.advance(Duration::days(1));
    app.engine.run_until_idle().await.unwrap();
    let case = case_json(&app, &s).await;
    assert_eq!(case["status"], "review");
    assert_eq!(case["counts"]["expired"], 1);
    for link in app.links_sent_to(&referee) {
        let err = app.engine.links().referee_form(&link).await.unwrap_err();
        assert!(
            matches!(err, engine::EngineError::Gone(_)),
            "expired links answer gone: {err:?}"
        );
    }
    let owner = subjects_to(&app, &s.owner_email);
    assert_eq!(
        owner.len(),
        1,
        "the owner hears that the case is ready: {owner:?}"
    );
    assert_eq!(
        subjects_to(&app, &referee).len(),
        3,
        "no mail after the deadline"
    );
}

async fn quorum_with_nothing_outstanding_moves_to_review_early_and_stops_reminders(app: TestApp) {
    let s = fixtures::launched_case_with_quorum(&app, 2, 2).await;
    s.answer(&app, 0, "5").await;
    assert_eq!(case_json(&app, &s).await["status"], "collecting");
    s.answer(&app, 1, "5").await;
    let case = case_json(&app, &s).await;
    assert_eq!(case["status"], "review");
    assert_eq!(case["counts"]["completed"], 2);
    app.engine.run_until_idle().await.unwrap();
    let owner = subjects_to(&app, &s.owner_email);
    assert_eq!(
        owner.len(),
        2,
        "quorum reached and ready for review: {owner:?}"
    );

    let before = app.smtp.messages().len();
    app.clock.advance(Duration::days(15));
    app.engine.run_until_idle().await.unwrap();
    assert_eq!(
        app.smtp.messages().len(),
        before,
        "no reminders or deadline mail after review"
    );
    assert_eq!(case_json(&app, &s).await["status"], "review");
}

async fn quorum_waits_for_outstanding_referees_until_they_answer_or_decline(app: TestApp) {
    let s = fixtures::launched_case_with_quorum(&app, 3, 2).await;
    s.answer(&app, 0, "5").await;
    s.answer(&app, 1, "5").await;
    assert_eq!(
        case_json(&app, &s).await["status"],
        "collecting",
        "one referee may still answer"
    );
    app.engine.run_until_idle().await.unwrap();
    assert_eq!(
        subjects_to(&app, &s.owner_email).len(),
        1,
        "told about the quorum once"
    );
    let id: Uuid = s.references[2]["id"].as_str().unwrap().parse().unwrap();
    app.engine
        .cases()
        .decline_reference(id, Some("I no longer work with them".into()))
        .await
        .unwrap();
    let case = case_json(&app, &s).await;
    assert_eq!(case["status"], "review");
    assert_eq!(case["counts"]["declined"], 1);
    app.engine.run_until_idle().await.unwrap();
    assert_eq!(subjects_to(&app, &s.owner_email).len(), 2);
    // A submission after the release is refused as closed, and stores nothing.
    let err = app
        .engine
        .cases()
        .submit_response(id, vec![], SubmissionMeta::default())
        .await
        .unwrap_err();
    assert!(matches!(err, engine::EngineError::CheckClosed), "{err:?}");
}
