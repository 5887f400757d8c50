//! Measured time (API.md "Referee minutes"): each completed response stores
//! `seconds_to_complete`, and staff see only its median, from three responses on.

use chrono::Duration;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;
use store::entity::response;
use testkit::TestApp;

use super::{QuickCase, quick_case, quick_form};
use crate::on_both_databases;

on_both_databases!(
    each_response_stores_its_seconds_from_first_view_to_submit_capped_at_an_hour,
    the_median_time_is_hidden_below_three_completed_responses_and_shown_while_collecting,
);

/// Referee `i` opens the form, takes `took` on the test clock, and submits.
async fn answer_after(app: &TestApp, c: &QuickCase, i: usize, took: Duration) {
    let link = &c.links[i];
    assert_eq!(app.fetch(&format!("/r/{link}")).await.status(), 200);
    app.clock.advance(took);
    let res = app
        .post_form(&format!("/r/{link}"), &quick_form(["top_half"; 8]))
        .await;
    assert_eq!(res.status(), 303);
}

async fn case_json(app: &TestApp, c: &QuickCase) -> Value {
    app.get(&format!("/api/v1/cases/{}", c.id()), &c.ops)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn stored_seconds(app: &TestApp, c: &QuickCase, i: usize) -> Option<i32> {
    let id: uuid::Uuid = case_json(app, c).await["references"][i]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    response::Entity::find()
        .filter(response::Column::ReferenceId.eq(id))
        .one(app.engine.db())
        .await
        .unwrap()
        .unwrap()
        .seconds_to_complete
}

async fn each_response_stores_its_seconds_from_first_view_to_submit_capped_at_an_hour(
    app: TestApp,
) {
    let c = quick_case(&app, 3).await;
    answer_after(&app, &c, 0, Duration::seconds(154)).await;
    assert_eq!(stored_seconds(&app, &c, 0).await, Some(154));
    // Left open over lunch and a meeting: counted as the cap, not as 2 h 30.
    answer_after(&app, &c, 1, Duration::minutes(150)).await;
    assert_eq!(stored_seconds(&app, &c, 1).await, Some(3600));
    // A draft saved on the way does not restart the count.
    let link = &c.links[2];
    app.fetch(&format!("/r/{link}")).await;
    app.clock.advance(Duration::seconds(40));
    let res = app
        .post_form(
            &format!("/r/{link}"),
            &[("q_values_percentile", "top_5"), ("action", "save")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        stored_seconds(&app, &c, 2).await,
        None,
        "a draft has no time"
    );
    app.fetch(&format!("/r/{link}?saved=1")).await;
    app.clock.advance(Duration::seconds(50));
    let res = app
        .post_form(&format!("/r/{link}"), &quick_form(["top_5"; 8]))
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(stored_seconds(&app, &c, 2).await, Some(90));
}

async fn the_median_time_is_hidden_below_three_completed_responses_and_shown_while_collecting(
    app: TestApp,
) {
    let c = quick_case(&app, 4).await;
    assert_eq!(
        case_json(&app, &c).await["median_seconds_to_complete"],
        Value::Null
    );
    answer_after(&app, &c, 0, Duration::seconds(100)).await;
    answer_after(&app, &c, 1, Duration::hours(2)).await;
    let two = case_json(&app, &c).await;
    assert_eq!(two["counts"]["completed"], 2);
    assert_eq!(
        two["median_seconds_to_complete"],
        Value::Null,
        "two people's times are not shown, not even as a median"
    );
    answer_after(&app, &c, 2, Duration::seconds(200)).await;
    app.engine.run_until_idle().await.unwrap();
    let three = case_json(&app, &c).await;
    assert_eq!(
        three["status"], "collecting",
        "the fourth referee is still asked"
    );
    // 100, 3600 (capped) and 200: the median is 200.
    assert_eq!(three["median_seconds_to_complete"], 200.0);
    answer_after(&app, &c, 3, Duration::seconds(130)).await;
    // 100, 130, 200, 3600: halfway between the middle two.
    assert_eq!(
        case_json(&app, &c).await["median_seconds_to_complete"],
        165.0
    );
}
