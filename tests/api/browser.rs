//! The public referee questionnaire and the staff web UI in a real browser: Debian's
//! chromium, driven by scripts in `tests/browser` (playwright-core, axe-core), against the
//! real server.
//!
//! - `referee.mjs`: the referee opens the link from the captured invitation email on a
//!   phone, forgets a required answer, is shown the error with what they typed kept,
//!   answers it and lands on the thank-you page; the engine then holds a completed
//!   reference with the answers.
//! - `opt_out.mjs`: a referee opens "Don't ask me again" from the captured invitation
//!   on a phone, the confirm page passes axe, the button leads to a confirmation page
//!   that passes axe too; the engine then holds the reference withdrawn as `opted_out`.
//! - `self_assessment.mjs`: the provider's contact opens the self-assessment link from the
//!   captured request email on a phone, rates about half the first-person statements,
//!   saves, comes back later to the saved answers, sends without consent (error summary,
//!   answers kept), then sends everything and lands on the thank-you page; the engine then
//!   holds the submitted self-assessment with a self score on every dimension.
//! - `languages.mjs`: the referee form in Arabic and in German on a phone: `<html lang
//!   dir>`, no sideways scroll, no axe violations, and the Arabic 1–5 scale reading from
//!   the right.
//! - `quick.mjs`: the "Quick partner check" on a phone, in Arabic (right to left) and in
//!   English: no sideways scroll, every band inside the screen and tappable, no script,
//!   no axe violations, "About 3 minutes"; the English one is answered with taps and
//!   sent; the engine then holds the bands, rehire, the open answer and the time taken.
//! - `staff.mjs`: an ops lead signs in, adds a provider, opens a case, adds three referees,
//!   launches and asks for the provider's self-assessment; the provider and the referees
//!   answer (over HTTP, here); an HR reviewer reads the report (chart with the self marks,
//!   score, recommendation, print stylesheet) and records a decision; the engine then
//!   holds the decided case. Its `hidden` stage reads a report with too few responses for
//!   per-referee detail: no dots, no quotes, the reason given. Its `engagement` stage
//!   follows an approved provider: the engagement list ("Drifting below") and the
//!   engagement page with a completed pulse (chart, table, forms), on a desktop and a
//!   phone. Its `calibration` stage reads HR's calibration page over engagements with a
//!   finished pulse: a scatter plot for the alignment score and one per dimension, each
//!   with r in words; then the response insights page (axe, phone width, print).
//!
//! - `partnership.mjs`: one of the provider's people opens the provider-side link of a
//!   pulse (issue 32) for a provider whose language is Arabic, on a phone with an English
//!   browser: Arabic and right to left, no sideways scroll, no script, no axe violations,
//!   the five statements in the provider's voice with the scale reading from the right,
//!   answered with taps; the engine then holds the provider side's answers.
//!
//! Needs node, `npm ci --prefix tests/browser` and chromium (`.ci/run` installs them).
//! Without them the tests are skipped with a message, unless `CI` is set, where they fail.
//! With `VOUCH_UPDATE_SCREENSHOTS=1` they write `docs/screenshots/form-phone.png`,
//! `form-desktop.png`, `form-ar-phone.png`, `form-de-phone.png`, `self-assessment-phone.png`, `case-page.png`, `report.png`,
//! `engagement.png`, `calibration.png`, `quick-form-phone.png`, `quick-form-ar-phone.png`
//! and `provider-side-ar-phone.png`.

use std::path::{Path, PathBuf};
use std::process::Command;

use engine::domain::{CaseStatus, ReferenceStatus, Role, SelfAssessmentState};
use engine::questionnaire::{default_questions, self_assessment_questions};
use engine::report::Outcome;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use store::entity::{answer, reference_request, response};
use testkit::{Backend, TestApp, TestConfig};
use uuid::Uuid;

use crate::fixtures;
use crate::helpers::LIKERT_KEYS;

/// What the referee types under concerns; looked for in the database afterwards.
const CONCERNS: &str = "Two late invoices in Q3 (ref #4711); they owned it and fixed the process.";

struct Tools {
    node: PathBuf,
    chromium: PathBuf,
}

/// The checkout being tested. Read when the test runs (cargo sets it then too): the value
/// compiled in names whichever checkout built the binary, and checkouts that share a target
/// dir share binaries.
fn repo_root() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

fn on_path(program: &str) -> Option<PathBuf> {
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// Node, the installed npm packages and chromium; `None` (after saying why) when one is
/// missing outside CI.
fn browser_tools() -> Option<Tools> {
    let node = on_path("node");
    let packages = repo_root().join("tests/browser/node_modules");
    let chromium = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    let mut missing = Vec::new();
    if node.is_none() {
        missing.push("node (Node.js 20 or later) on PATH".to_owned());
    }
    for package in ["playwright-core", "axe-core"] {
        if !packages.join(package).join("package.json").is_file() {
            missing.push(format!(
                "{} (run `npm ci --prefix tests/browser`)",
                packages.join(package).display()
            ));
        }
    }
    if !chromium.is_file() {
        missing.push(format!(
            "{} (`apt-get install chromium`, or set CHROMIUM)",
            chromium.display()
        ));
    }
    if missing.is_empty() {
        return Some(Tools {
            node: node?,
            chromium,
        });
    }
    let missing = missing.join("; ");
    if std::env::var_os("CI").is_some() {
        panic!("the browser tests need: {missing}");
    }
    eprintln!("skipping the browser tests: missing {missing}");
    None
}

/// Where the scripts write screenshots: `docs/screenshots` with
/// `VOUCH_UPDATE_SCREENSHOTS=1`, else `temp` (they are still taken, so taking them is
/// tested).
fn screenshot_dir(temp: &Path) -> PathBuf {
    if std::env::var("VOUCH_UPDATE_SCREENSHOTS").as_deref() == Ok("1") {
        repo_root().join("docs/screenshots")
    } else {
        temp.to_owned()
    }
}

/// Runs `node tests/browser/{script}` with `env` and returns what it printed; panics with
/// that output when it fails.
async fn run_script(tools: &Tools, script: &str, env: &[(&str, String)]) -> String {
    let root = repo_root();
    let mut command = Command::new(&tools.node);
    command
        .arg(root.join("tests/browser").join(script))
        .current_dir(&root)
        .env("CHROMIUM", &tools.chromium)
        .env("FORCE_COLOR", "0");
    for (name, value) in env {
        command.env(name, value);
    }
    // The server answers the browser from this runtime's workers while a blocking thread
    // waits for the script (which stops itself after a few minutes at most).
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap_or_else(|e| panic!("run node tests/browser/{script}: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "tests/browser/{script} failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    println!("{stdout}{stderr}");
    stdout.into_owned()
}

/// The referee link in the invitation email to `reference`, pointing at the test server.
fn form_link(app: &TestApp, reference: &Value) -> String {
    let email = reference["email"].as_str().unwrap();
    let links = app.links_sent_to(email);
    assert_eq!(links.len(), 1, "one invitation to {email}");
    format!("{}/r/{}", app.address, links[0])
}

async fn reference_row(app: &TestApp, reference: &Value) -> reference_request::Model {
    let id: Uuid = reference["id"].as_str().unwrap().parse().unwrap();
    reference_request::Entity::find_by_id(id)
        .one(app.engine.db())
        .await
        .unwrap()
        .unwrap()
}

/// The stored answer to question `key`, if any.
fn answer_value<'a>(answers: &'a [answer::Model], key: &str) -> Option<&'a str> {
    answers
        .iter()
        .find(|a| a.question_key == key)
        .map(|a| a.value.as_str())
}

/// The stored response of the reference `reference_id`.
async fn stored_response(app: &TestApp, reference_id: Uuid) -> response::Model {
    response::Entity::find()
        .filter(response::Column::ReferenceId.eq(reference_id))
        .one(app.engine.db())
        .await
        .unwrap()
        .expect("a stored response")
}

async fn stored_answers(app: &TestApp, reference_id: Uuid) -> Vec<answer::Model> {
    let response = stored_response(app, reference_id).await;
    assert_eq!(response.status, "submitted");
    answer::Entity::find()
        .filter(answer::Column::ResponseId.eq(response.id))
        .all(app.engine.db())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn referee_completes_the_form_in_a_real_browser_on_a_phone() {
    let Some(tools) = browser_tools() else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let references = fixtures::launched_case(&app, 2).await.references;
    let phone_link = form_link(&app, &references[0]);
    let desktop_link = form_link(&app, &references[1]);

    let temp = tempfile::tempdir().unwrap();
    run_script(
        &tools,
        "referee.mjs",
        &[
            ("VOUCH_FORM_URL", phone_link),
            ("VOUCH_FORM_URL_2", desktop_link),
            (
                "VOUCH_SCREENSHOT_DIR",
                screenshot_dir(temp.path()).display().to_string(),
            ),
            ("VOUCH_CONCERNS_TEXT", CONCERNS.to_owned()),
        ],
    )
    .await;

    let first = reference_row(&app, &references[0]).await;
    assert_eq!(first.status, "completed");
    assert!(first.responded_at.is_some());
    let answers = stored_answers(&app, first.id).await;
    let concerns = answers
        .iter()
        .find(|a| a.question_key == "concerns")
        .expect("a stored answer to concerns");
    assert_eq!(concerns.value, CONCERNS);
    assert!(
        answers
            .iter()
            .any(|a| a.question_key == "dedication_success" && a.value == "4"),
        "the answer given after the 422 is stored: {answers:?}"
    );
    assert!(
        answers
            .iter()
            .any(|a| a.question_key == "rehire" && a.value == "yes"),
        "the yes/no answer is stored: {answers:?}"
    );
    // The desktop screenshot opened the second link without answering.
    let second = reference_row(&app, &references[1]).await;
    assert_eq!(second.status, "opened");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_form_in_arabic_and_german_fits_a_phone_and_passes_axe() {
    let Some(tools) = browser_tools() else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let references = fixtures::launched_case(&app, 2).await.references;
    // One through the link's language, one through the browser's (the script sets the
    // context's locale, which chromium sends as Accept-Language).
    let arabic = format!("{}?lang=ar", form_link(&app, &references[0]));
    let german = form_link(&app, &references[1]);

    let temp = tempfile::tempdir().unwrap();
    run_script(
        &tools,
        "languages.mjs",
        &[
            ("VOUCH_FORMS", format!("ar={arabic} de={german}")),
            (
                "VOUCH_SCREENSHOT_DIR",
                screenshot_dir(temp.path()).display().to_string(),
            ),
        ],
    )
    .await;
    for reference in &references {
        assert_eq!(reference_row(&app, reference).await.status, "opened");
    }
}

/// The bands the referee taps on the quick form, one per dimension in order.
const QUICK_BANDS: [&str; 8] = [
    "top_10",
    "top_quarter",
    "top_half",
    "top_quarter",
    "top_5",
    "top_10",
    "bottom_half",
    "top_quarter",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_quick_form_fits_a_phone_in_arabic_and_english_and_is_answered_by_tapping() {
    let Some(tools) = browser_tools() else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let ops = app.token_for(Role::Ops).await;
    let provider = app.create_provider(&ops).await;
    let res = app
        .post("/api/v1/cases", &ops)
        .json(&json!({"provider_id": provider["id"], "template_key": "quick"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let case: Value = res.json().await.unwrap();
    let case_id = case["id"].as_str().unwrap();
    let references = [
        app.add_reference(&ops, case_id, 1).await,
        app.add_reference(&ops, case_id, 2).await,
    ];
    let res = app
        .post(&format!("/api/v1/cases/{case_id}/launch"), &ops)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    app.engine.run_until_idle().await.unwrap();
    const OPEN: &str = "Book them before the quarter closes; they plan three months ahead.";

    let temp = tempfile::tempdir().unwrap();
    run_script(
        &tools,
        "quick.mjs",
        &[
            ("VOUCH_QUICK_URL", form_link(&app, &references[0])),
            (
                "VOUCH_QUICK_URL_AR",
                format!("{}?lang=ar", form_link(&app, &references[1])),
            ),
            ("VOUCH_BANDS", QUICK_BANDS.join(" ")),
            ("VOUCH_OPEN_TEXT", OPEN.to_owned()),
            (
                "VOUCH_SCREENSHOT_DIR",
                screenshot_dir(temp.path()).display().to_string(),
            ),
        ],
    )
    .await;

    let row = reference_row(&app, &references[0]).await;
    assert_eq!(row.status, "completed");
    let answers = stored_answers(&app, row.id).await;
    let value = |key: &str| answer_value(&answers, key);
    let dimensions = [
        "values",
        "dedication",
        "accountability",
        "communication",
        "partnership",
        "confidentiality",
        "scope",
        "expertise",
    ];
    for (d, band) in dimensions.iter().zip(QUICK_BANDS) {
        assert_eq!(value(&format!("{d}_percentile")), Some(band), "{d}");
    }
    assert_eq!(value("rehire"), Some("yes"));
    assert_eq!(value("working_well"), Some(OPEN));
    let response = stored_response(&app, row.id).await;
    assert!(
        response
            .seconds_to_complete
            .is_some_and(|s| (0..=3600).contains(&s)),
        "the time taken is recorded: {:?}",
        response.seconds_to_complete
    );
    // The Arabic link was opened, not answered.
    assert_eq!(reference_row(&app, &references[1]).await.status, "opened");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_provider_side_form_fits_a_phone_in_arabic_and_is_answered_by_tapping() {
    let Some(tools) = browser_tools() else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let approved = crate::engagements::approve(&app, &[&crate::engagements::uniform(4.0)]).await;
    let e = crate::engagements::engagement(&app, approved.ops(), approved.engagement_id).await;
    let provider_id: Uuid = e["provider_id"].as_str().unwrap().parse().unwrap();
    // The provider's people are written to in Arabic.
    store::entity::provider::Entity::update_many()
        .col_expr(
            store::entity::provider::Column::Locale,
            sea_orm::sea_query::Expr::value("ar"),
        )
        .filter(store::entity::provider::Column::Id.eq(provider_id))
        .exec(app.engine.db())
        .await
        .unwrap();
    crate::engagements::add_stakeholder(&app, approved.ops(), approved.engagement_id, 1).await;
    crate::engagements::start_pulse(&app, approved.ops(), approved.engagement_id).await;
    app.engine.run_until_idle().await.unwrap();
    const CONTACT: &str = "pat@ledger.example";
    const OPEN: &str = "Invite us to the quarterly planning; we hear of changes late.";
    let links = app.links_sent_to(CONTACT);
    assert_eq!(links.len(), 1, "one provider-side link to the main contact");

    let temp = tempfile::tempdir().unwrap();
    run_script(
        &tools,
        "partnership.mjs",
        &[
            (
                "VOUCH_PARTNER_URL",
                format!("{}/r/{}", app.address, links[0]),
            ),
            ("VOUCH_VALUES", "2 4 3 1 5".to_owned()),
            ("VOUCH_OPEN_TEXT", OPEN.to_owned()),
            (
                "VOUCH_SCREENSHOT_DIR",
                screenshot_dir(temp.path()).display().to_string(),
            ),
        ],
    )
    .await;

    let e = crate::engagements::engagement(&app, approved.ops(), approved.engagement_id).await;
    let side_id: Uuid = e["pulses"][0]["provider_side"]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let row = reference_request::Entity::find()
        .filter(reference_request::Column::CaseId.eq(side_id))
        .one(app.engine.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, "completed");
    let answers = stored_answers(&app, row.id).await;
    let value = |key: &str| answer_value(&answers, key);
    for (key, want) in [
        ("inclusion", "2"),
        ("advice", "4"),
        ("scope_clarity", "3"),
        ("timely_information", "1"),
        ("partner_treatment", "5"),
        ("work_better", OPEN),
    ] {
        assert_eq!(value(key), Some(want), "{key}");
    }
    let response = stored_response(&app, row.id).await;
    assert_eq!(response.locale.as_deref(), Some("ar"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn referee_opts_out_in_a_real_browser_on_a_phone() {
    let Some(tools) = browser_tools() else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let references = fixtures::launched_case(&app, 1).await.references;
    let email = references[0]["email"].as_str().unwrap();
    let tokens = app.tokens_sent_to(email, "/u/");
    assert_eq!(
        tokens.len(),
        1,
        "one \"don't ask me again\" link to {email}"
    );

    run_script(
        &tools,
        "opt_out.mjs",
        &[(
            "VOUCH_OPT_OUT_URL",
            format!("{}/u/{}", app.address, tokens[0]),
        )],
    )
    .await;

    let row = reference_row(&app, &references[0]).await;
    assert_eq!(row.status, "withdrawn");
    assert_eq!(row.withdrawn_reason.as_deref(), Some("opted_out"));
}

/// The provider's self-assessment link of `case_id`, requested through the API with the
/// ops token `ops` and delivered by the job queue, pointing at the test server.
async fn request_self_assessment(app: &TestApp, ops: &str, case_id: Uuid) -> String {
    let res = app
        .post(&format!("/api/v1/cases/{case_id}/self-assessment"), ops)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202, "request the self-assessment");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["self_assessment"], "requested");
    app.engine.run_until_idle().await.unwrap();
    let case = app.engine.cases().case(case_id).await.unwrap();
    let contact = app
        .engine
        .cases()
        .provider(case.provider_id)
        .await
        .unwrap()
        .contact_email;
    let tokens = app.tokens_sent_to(&contact, "/s/");
    assert_eq!(tokens.len(), 1, "one self-assessment link to {contact}");
    format!("{}/s/{}", app.address, tokens[0])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_rates_itself_in_a_real_browser_on_a_phone() {
    let Some(tools) = browser_tools() else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let case = fixtures::case_with_referees(&app, 1, None).await;
    let link = request_self_assessment(&app, &case.ops, case.id).await;
    let statements = self_assessment_questions(&default_questions());
    let mut dimensions: Vec<&str> = statements
        .iter()
        .filter_map(|q| q.dimension.as_deref())
        .collect();
    dimensions.dedup();

    let temp = tempfile::tempdir().unwrap();
    run_script(
        &tools,
        "self_assessment.mjs",
        &[
            ("VOUCH_SELF_URL", link),
            ("VOUCH_EXPECT_STATEMENTS", statements.len().to_string()),
            ("VOUCH_EXPECT_GROUPS", dimensions.len().to_string()),
            (
                "VOUCH_SCREENSHOT_DIR",
                screenshot_dir(temp.path()).display().to_string(),
            ),
        ],
    )
    .await;

    let stored = app.engine.cases().case(case.id).await.unwrap();
    assert_eq!(stored.self_assessment, SelfAssessmentState::Submitted);
    let report = app.engine.reports().case_report(case.id).await.unwrap();
    let own = report
        .self_assessment
        .expect("the report holds the self-assessment");
    // The case is a draft: its report is progress only, with the self-assessment as is.
    assert!(!report.released && report.dimensions.is_empty());
    assert_eq!(
        own.dimensions.len(),
        app.engine.questionnaires().profile().await.unwrap().len(),
        "one self score per dimension of the profile: {own:?}"
    );
    // The script answers every statement with 4 or 5, never "does not apply".
    assert!(
        own.dimensions
            .iter()
            .all(|d| d.score.is_some_and(|s| (0.0..=100.0).contains(&s))),
        "every dimension has a self score: {own:?}"
    );
}

/// The password of the two staff users of the staff UI test.
const STAFF_PASSWORD: &str = "browser-test password, not a real one";
/// What the ops lead calls the case; the HR reviewer looks for it on the review page.
const CASE_TITLE: &str = "Northwind Ledger: finance partner for 2027";
/// What the HR reviewer types as the decision's rationale; looked for in the database.
const RATIONALE: &str = "Strong on values, accountability and confidentiality; every referee would hire them again or is unsure.\nCondition: scope changes are agreed in writing before work starts, since one referee was surprised by extra charges.";

/// The referees the ops lead adds: name, email, company, relationship.
const REFEREES: [(&str, &str, &str, &str); 3] = [
    (
        "Ria Client",
        "referee1@client1.example",
        "Client One Ltd",
        "CFO, client since 2022",
    ),
    (
        "Sam Buyer",
        "referee2@client2.example",
        "Client Two GmbH",
        "Head of finance, client since 2021",
    ),
    (
        "Lee Partner",
        "referee3@client3.example",
        "Client Three SA",
        "COO, client 2020–2024",
    ),
];

/// Likert questions where agreeing is bad (reverse scored in the default questionnaire).
const REVERSE_KEYS: [&str; 2] = ["dedication_minimum", "scope_surprises"];

/// How well referee `i` thinks of the provider on question `key`, 1–5: an enthusiast, a
/// content client and a critical one, so the chart has spread.
fn favour(i: usize, key: &str) -> u8 {
    let dimension = key.split('_').next().unwrap_or_default();
    match (i, dimension) {
        (0, "communication") => 4,
        (0, _) if key == "expertise_current" => 4,
        (0, _) => 5,
        (1, "values" | "confidentiality") => 5,
        (1, "scope") => 3,
        (1, _) => 4,
        (2, "values" | "accountability" | "confidentiality") => 4,
        (2, "scope") => 2,
        (2, _) => 3,
        _ => 3,
    }
}

/// Referee `i`'s complete questionnaire as the HTML form posts it.
fn questionnaire_form(i: usize) -> Vec<(String, String)> {
    let mut form: Vec<(String, String)> = LIKERT_KEYS
        .iter()
        .map(|key| {
            let f = favour(i, key);
            let value = if REVERSE_KEYS.contains(key) { 6 - f } else { f };
            (format!("q_{key}"), value.to_string())
        })
        .collect();
    let (rehire, strengths, concerns) = [
        ("yes", "Month-end close in five days, every month.", ""),
        (
            "yes",
            "They own their mistakes and tell you before you notice.",
            "Onboarding took longer than promised.",
        ),
        (
            "unsure",
            "Reliable bookkeeping.",
            "Extra charges for work we thought was in scope; it took two calls to settle.",
        ),
    ][i];
    form.push(("q_rehire".into(), rehire.into()));
    form.push(("q_strengths".into(), strengths.into()));
    form.push(("q_concerns".into(), concerns.into()));
    form.push(("consent".into(), "on".into()));
    form.push(("action".into(), "submit".into()));
    form
}

/// The provider's contact, as the ops lead types it into the provider form in staff.mjs.
const PROVIDER_CONTACT: &str = "nora@northwind-ledger.example";

/// How well the provider thinks of itself on question `key`, 1–5: a little better than its
/// clients on most dimensions, more modest on communication.
fn self_favour(key: &str) -> u8 {
    match key.split('_').next().unwrap_or_default() {
        "communication" => 3,
        "scope" => 4,
        _ if key == "partnership_team" || key == "expertise_current" => 4,
        _ => 5,
    }
}

/// The provider's complete self-assessment as the HTML form posts it: every scored
/// statement of the default questionnaire.
fn self_assessment_form() -> Vec<(String, String)> {
    let mut form: Vec<(String, String)> = self_assessment_questions(&default_questions())
        .iter()
        .map(|q| {
            let f = self_favour(&q.key);
            let value = if q.reverse_scored { 6 - f } else { f };
            (format!("q_{}", q.key), value.to_string())
        })
        .collect();
    assert_eq!(
        form.len(),
        16,
        "the default questionnaire has 16 scored statements"
    );
    form.push(("consent".into(), "on".into()));
    form.push(("action".into(), "submit".into()));
    form
}

/// Where each referee (in order) and the provider answer from, as the proxy in front of
/// the server reports it: one documentation address each, so the report's same-address
/// checks see different people (on loopback, everyone shares 127.0.0.1).
const REFEREE_ADDRESSES: [&str; 3] = ["192.0.2.10", "198.51.100.20", "203.0.113.30"];
const PROVIDER_ADDRESS: &str = "192.0.2.200";

/// Answers the form at `path` as a person at `address` would: opens it, takes a few
/// minutes (on the test clock), and sends `form`. Returns the status of the POST. Posting
/// blind, at once and from one address would rightly be flagged in the report.
async fn answer_as_a_person(
    app: &TestApp,
    address: &str,
    path: &str,
    form: &[(String, String)],
) -> u16 {
    let res = app
        .client
        .get(app.url(path))
        .header("x-forwarded-for", address)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "GET {path}");
    app.clock.advance(chrono::Duration::minutes(6));
    app.client
        .post(app.url(path))
        .header("x-forwarded-for", address)
        .form(form)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_ui_end_to_end_in_chromium() {
    let Some(tools) = browser_tools() else {
        return;
    };
    // The server sits behind a proxy on loopback, so each answer below can come from an
    // address of its own (X-Forwarded-For); the browser's requests come from 127.0.0.1.
    let config = TestConfig {
        trusted_proxies: vec!["127.0.0.1".into()],
        ..TestConfig::default()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, config).await.unwrap();
    let ops = app.staff_user(Role::Ops, STAFF_PASSWORD).await.email;
    let hr = app.staff_user(Role::Hr, STAFF_PASSWORD).await.email;
    let temp = tempfile::tempdir().unwrap();
    let screenshots = screenshot_dir(temp.path()).display().to_string();
    let common = [
        ("VOUCH_BASE_URL", app.address.clone()),
        ("VOUCH_PASSWORD", STAFF_PASSWORD.to_owned()),
        ("VOUCH_CASE_TITLE", CASE_TITLE.to_owned()),
        ("VOUCH_SCREENSHOT_DIR", screenshots),
    ];

    // The ops lead: provider, case, referees, launch, self-assessment request.
    let referees: Vec<Value> = REFEREES
        .iter()
        .map(|(name, email, company, relationship)| {
            json!({ "name": name, "email": email, "company": company, "relationship": relationship })
        })
        .collect();
    let mut env = common.to_vec();
    env.extend([
        ("VOUCH_STAGE", "ops".to_owned()),
        ("VOUCH_OPS_EMAIL", ops),
        ("VOUCH_REFEREES", Value::from(referees).to_string()),
    ]);
    let stdout = run_script(&tools, "staff.mjs", &env).await;
    let case_id: Uuid = stdout
        .lines()
        .find_map(|line| line.strip_prefix("CASE_ID="))
        .expect("staff.mjs prints CASE_ID=<uuid>")
        .trim()
        .parse()
        .expect("CASE_ID is a uuid");
    let case = app.engine.cases().case(case_id).await.unwrap();
    assert_eq!(case.status, CaseStatus::Collecting);
    assert_eq!(case.title, CASE_TITLE);
    assert_eq!(case.provider_name, "Northwind Ledger Partners");
    let mut emails: Vec<&str> = case.references.iter().map(|r| r.email.as_str()).collect();
    emails.sort_unstable();
    assert_eq!(emails, REFEREES.map(|r| r.1));
    assert_eq!(case.self_assessment, SelfAssessmentState::Requested);

    // The invitations and the self-assessment request go out. The provider rates itself
    // first: its link closes when the case leaves collecting, which the last referee's
    // answer does.
    app.engine.run_until_idle().await.unwrap();
    let tokens = app.tokens_sent_to(PROVIDER_CONTACT, "/s/");
    assert_eq!(
        tokens.len(),
        1,
        "one self-assessment link to {PROVIDER_CONTACT}"
    );
    let status = answer_as_a_person(
        &app,
        PROVIDER_ADDRESS,
        &format!("/s/{}", tokens[0]),
        &self_assessment_form(),
    )
    .await;
    assert_eq!(status, 303, "the provider sends its self-assessment");
    let case = app.engine.cases().case(case_id).await.unwrap();
    assert_eq!(case.self_assessment, SelfAssessmentState::Submitted);

    // Each referee answers through their link.
    for (i, (_, email, _, _)) in REFEREES.iter().enumerate() {
        let links = app.links_sent_to(email);
        assert_eq!(links.len(), 1, "one invitation to {email}");
        let status = answer_as_a_person(
            &app,
            REFEREE_ADDRESSES[i],
            &format!("/r/{}", links[0]),
            &questionnaire_form(i),
        )
        .await;
        assert_eq!(status, 303, "{email} submits");
    }
    app.engine.run_until_idle().await.unwrap();
    let case = app.engine.cases().case(case_id).await.unwrap();
    assert_eq!(
        case.status,
        CaseStatus::Review,
        "three answers of three, quorum 3: the case is in review"
    );
    assert!(
        case.references
            .iter()
            .all(|r| r.status == ReferenceStatus::Completed)
    );

    // What the chart must show, from the engine's own report.
    let report = app.engine.reports().case_report(case_id).await.unwrap();
    let dimensions = report.dimensions.len();
    let scored = report
        .dimensions
        .iter()
        .filter(|d| d.score.is_some())
        .count();
    let intervals = report
        .dimensions
        .iter()
        .filter(|d| d.ci95.is_some())
        .count();
    let dots: usize = report
        .dimensions
        .iter()
        .map(|d| d.referee_scores.len())
        .sum();
    let self_marks = report
        .dimensions
        .iter()
        .filter(|d| d.self_score.is_some())
        .count();
    assert_eq!(dimensions, 8, "the default profile has eight dimensions");
    assert_eq!(dots, 8 * 3, "three referees rated every dimension");
    assert_eq!(
        self_marks, 8,
        "the provider rated itself on every dimension"
    );

    // The HR reviewer: review, report, decision.
    let mut env = common.to_vec();
    env.extend([
        ("VOUCH_STAGE", "hr".to_owned()),
        ("VOUCH_HR_EMAIL", hr),
        ("VOUCH_CASE_ID", case_id.to_string()),
        ("VOUCH_RATIONALE", RATIONALE.to_owned()),
        ("VOUCH_EXPECT_DIMENSIONS", dimensions.to_string()),
        ("VOUCH_EXPECT_SCORED", scored.to_string()),
        ("VOUCH_EXPECT_INTERVALS", intervals.to_string()),
        ("VOUCH_EXPECT_REFEREE_DOTS", dots.to_string()),
        ("VOUCH_EXPECT_SELF_MARKS", self_marks.to_string()),
    ]);
    run_script(&tools, "staff.mjs", &env).await;

    let case = app.engine.cases().case(case_id).await.unwrap();
    assert_eq!(case.status, CaseStatus::Decided);
    let decision = app
        .engine
        .reports()
        .case_decision(case_id)
        .await
        .unwrap()
        .expect("a recorded decision");
    assert_eq!(decision.outcome, Outcome::ApprovedWithConditions);
    // A browser submits a textarea's line breaks as CRLF, and the UI stores them as sent.
    assert_eq!(decision.rationale.replace("\r\n", "\n"), RATIONALE);
}

/// Below `report.min_responses_for_detail` complete responses the report shows no single
/// referee: checked, with axe, in chromium.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_with_hidden_detail_in_chromium() {
    let Some(tools) = browser_tools() else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let hr = app.staff_user(Role::Hr, STAFF_PASSWORD).await.email;
    let case = fixtures::launched_case(&app, 3).await;
    for i in 0..2 {
        let link = app.links_sent_to(&case.email(i)).pop().unwrap();
        app.fetch(&format!("/r/{link}")).await;
        let res = app
            .post_form(&format!("/r/{link}"), &questionnaire_form(i))
            .await;
        assert_eq!(res.status(), 303);
    }
    // Closed early with two answers: released, below the detail threshold.
    app.engine
        .cases()
        .close_case(case.id, &engine::audit::Actor::System)
        .await
        .unwrap();
    let report = app.engine.reports().case_report(case.id).await.unwrap();
    assert!(report.released, "closing releases the results");
    assert!(report.detail_hidden, "two of three: detail is hidden");
    run_script(
        &tools,
        "staff.mjs",
        &[
            ("VOUCH_STAGE", "hidden".to_owned()),
            ("VOUCH_BASE_URL", app.address.clone()),
            ("VOUCH_PASSWORD", STAFF_PASSWORD.to_owned()),
            ("VOUCH_HR_EMAIL", hr),
            ("VOUCH_CASE_ID", case.id.to_string()),
        ],
    )
    .await;
}

/// Stakeholder `i`'s pulse as the HTML form posts it: content on most dimensions, unhappy
/// with communication and accountability (below what the referees predicted).
fn pulse_form(i: usize) -> Vec<(String, String)> {
    let mut form: Vec<(String, String)> = LIKERT_KEYS
        .iter()
        .map(|key| {
            let f = match key.split('_').next().unwrap_or_default() {
                "communication" => 1,
                "accountability" => 2,
                "values" if i == 1 => 5,
                _ => 4,
            };
            let value = if REVERSE_KEYS.contains(key) { 6 - f } else { f };
            (format!("q_{key}"), value.to_string())
        })
        .collect();
    form.push(("consent".into(), "on".into()));
    form.push(("action".into(), "submit".into()));
    form
}

/// The engagement page after an approval, with a completed pulse that drifts below on
/// some dimensions: checked, with axe, in chromium.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn engagement_page_in_chromium() {
    let Some(tools) = browser_tools() else {
        return;
    };
    let config = TestConfig {
        trusted_proxies: vec!["127.0.0.1".into()],
        ..TestConfig::default()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, config).await.unwrap();
    let hr = app.staff_user(Role::Hr, STAFF_PASSWORD).await.email;

    // Three referees answer, and HR approves.
    let case = fixtures::launched_case(&app, 3).await;
    for (i, address) in REFEREE_ADDRESSES.iter().enumerate() {
        let link = app.links_sent_to(&case.email(i)).pop().unwrap();
        let status =
            answer_as_a_person(&app, address, &format!("/r/{link}"), &questionnaire_form(i)).await;
        assert_eq!(status, 303);
    }
    app.engine.run_until_idle().await.unwrap();
    let hr_token = app.token_for(Role::Hr).await;
    let res = app
        .post(&format!("/api/v1/cases/{}/decision", case.id), &hr_token)
        .json(
            &json!({ "outcome": "approved", "rationale": "Strong on values and accountability." }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "approve");
    let id = app
        .engine
        .cases()
        .case(case.id)
        .await
        .unwrap()
        .engagement_id
        .expect("the approval opened an engagement");

    // Two stakeholders, a pulse, and their answers a month in.
    let stakeholders = [
        ("Dana Buyer", "dana@buyer.example"),
        ("Ivo Finance", "ivo@buyer.example"),
    ];
    for (name, email) in stakeholders {
        let res = app
            .post(&format!("/api/v1/engagements/{id}/stakeholders"), &case.ops)
            .json(&json!({ "name": name, "email": email }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "add {email}");
    }
    app.clock.advance(chrono::Duration::days(30));
    let res = app
        .post(&format!("/api/v1/engagements/{id}/pulse"), &case.ops)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202, "start a pulse");
    app.engine.run_until_idle().await.unwrap();
    for (i, (_, email)) in stakeholders.iter().enumerate() {
        let links = app.links_sent_to(email);
        assert_eq!(links.len(), 1, "one pulse link to {email}");
        let status = answer_as_a_person(
            &app,
            REFEREE_ADDRESSES[i],
            &format!("/r/{}", links[0]),
            &pulse_form(i),
        )
        .await;
        assert_eq!(status, 303, "{email} answers");
    }
    app.engine.run_until_idle().await.unwrap();
    let engagement = app.engine.engagements().engagement(id).await.unwrap();
    let pulse = engagement.pulses.last().expect("a pulse");
    assert_eq!(pulse.status, engine::domain::PulseStatus::Complete);
    let below = pulse
        .dimensions
        .iter()
        .filter(|d| d.drift == Some(engine::domain::Drift::Below))
        .count();
    assert!(
        below > 0 && below < pulse.dimensions.len(),
        "some dimensions below, not all: {:?}",
        pulse.dimensions
    );

    let temp = tempfile::tempdir().unwrap();
    run_script(
        &tools,
        "staff.mjs",
        &[
            ("VOUCH_STAGE", "engagement".to_owned()),
            ("VOUCH_BASE_URL", app.address.clone()),
            ("VOUCH_PASSWORD", STAFF_PASSWORD.to_owned()),
            ("VOUCH_HR_EMAIL", hr),
            ("VOUCH_ENGAGEMENT_ID", id.to_string()),
            (
                "VOUCH_EXPECT_DIMENSIONS",
                pulse.dimensions.len().to_string(),
            ),
            ("VOUCH_EXPECT_BELOW", below.to_string()),
            (
                "VOUCH_SCREENSHOT_DIR",
                screenshot_dir(temp.path()).display().to_string(),
            ),
        ],
    )
    .await;
}

/// The ratings of one person on every scored statement: dimension `d` of the default
/// profile (in `LIKERT_KEYS` order) counts as `levels[d]` (a reverse-scored statement is
/// answered 6 − level).
fn ratings_by_dimension(levels: [u8; 8]) -> Vec<(String, String)> {
    let mut dimensions: Vec<&str> = LIKERT_KEYS
        .iter()
        .map(|k| k.split('_').next().unwrap_or_default())
        .collect();
    dimensions.dedup();
    assert_eq!(dimensions.len(), 8);
    LIKERT_KEYS
        .iter()
        .map(|key| {
            let d = key.split('_').next().unwrap_or_default();
            let level = levels[dimensions.iter().position(|x| *x == d).unwrap()];
            let raw = if REVERSE_KEYS.contains(key) {
                6 - level
            } else {
                level
            };
            ((*key).to_owned(), raw.to_string())
        })
        .collect()
}

/// HR's calibration page over eight engagements, each with a finished pulse, and the page
/// of one of their providers: checked, with axe, in chromium (and the README's screenshot
/// taken).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calibration_page_in_chromium() {
    use engine::audit::Actor;
    use engine::engagements::NewStakeholder;
    use engine::workflow::SubmissionMeta;

    let Some(tools) = browser_tools() else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let hr = app.staff_user(Role::Hr, STAFF_PASSWORD).await;
    let meta = || SubmissionMeta {
        client_ip: None,
        user_agent: None,
        locale: None,
    };
    // Eight providers of varied quality, three referees each who roughly agree; the
    // stakeholders later find some providers better or worse than the referees said, and
    // differ a little on each dimension (fixed patterns, so the plots are the same every
    // run).
    let quality = |k: usize, d: usize| -> i8 {
        [2, 4, 3, 5, 2, 4, 3, 5][k] + [0, 1, -1, 0, 1, 0, -1, 0][(k + d) % 8]
    };
    let referee_level = |k: usize, d: usize, i: usize| -> u8 {
        let noise = [0, 1, -1, 0, 0, -1, 1][(k * 5 + d * 3 + i) % 7];
        (quality(k, d) + noise).clamp(1, 5) as u8
    };
    let stakeholder_level = |k: usize, d: usize, j: usize| -> u8 {
        let engagement = [1, 0, 0, -1, 1, 0, -1, 0][k];
        let drift = [0, -1, 1, 0, -2, 1, 0, -1, 2][(k * 4 + d * 2 + j * 5) % 9];
        (quality(k, d) + engagement + drift).clamp(1, 5) as u8
    };
    let mut cases = Vec::new();
    for _ in 0..8 {
        cases.push(fixtures::case_with_referees(&app, 3, None).await);
    }
    for case in &cases {
        case.launch(&app).await;
    }
    app.engine.run_until_idle().await.unwrap();
    for (k, case) in cases.iter().enumerate() {
        for i in 0..3 {
            let levels = std::array::from_fn(|d| referee_level(k, d, i));
            let mut answers = ratings_by_dimension(levels);
            answers.push(("rehire".into(), "yes".into()));
            app.engine
                .cases()
                .submit_response(case.reference_id(i), answers, meta())
                .await
                .unwrap();
        }
    }
    app.engine.run_until_idle().await.unwrap();
    let actor = Actor::User(hr.id);
    let mut pulses = Vec::new();
    for (k, case) in cases.iter().enumerate() {
        let decided = app
            .engine
            .reports()
            .record_decision(case.id, Outcome::Approved, "References checked.", hr.id)
            .await
            .unwrap();
        let engagement = decided
            .engagement_id
            .expect("an approval opens an engagement");
        for j in 0..2 {
            app.engine
                .engagements()
                .add_stakeholder(
                    engagement,
                    NewStakeholder {
                        name: format!("Colleague {j}"),
                        email: format!("colleague{j}.provider{k}@buyer.example"),
                    },
                    &actor,
                )
                .await
                .unwrap();
        }
        let started = app
            .engine
            .engagements()
            .start_pulse(engagement, &actor)
            .await
            .unwrap();
        pulses.push(started.pulses.last().unwrap().id);
    }
    app.engine.run_until_idle().await.unwrap();
    for (k, pulse) in pulses.iter().enumerate() {
        let stakeholders = reference_request::Entity::find()
            .filter(reference_request::Column::CaseId.eq(*pulse))
            .all(app.engine.db())
            .await
            .unwrap();
        for (j, s) in stakeholders.iter().enumerate() {
            let levels = std::array::from_fn(|d| stakeholder_level(k, d, j));
            app.engine
                .cases()
                .submit_response(s.id, ratings_by_dimension(levels), meta())
                .await
                .unwrap();
        }
    }
    app.engine.run_until_idle().await.unwrap();

    let provider_id = app
        .engine
        .cases()
        .case(cases[0].id)
        .await
        .unwrap()
        .provider_id;
    let calibration = app.engine.engagements().calibration().await.unwrap();
    assert_eq!(
        calibration.engagements, 8,
        "every engagement has a finished pulse"
    );
    let points = calibration.alignment.correlation.pairs
        + calibration
            .dimensions
            .iter()
            .map(|d| d.correlation.pairs)
            .sum::<u32>();
    let temp = tempfile::tempdir().unwrap();
    run_script(
        &tools,
        "staff.mjs",
        &[
            ("VOUCH_STAGE", "calibration".to_owned()),
            ("VOUCH_BASE_URL", app.address.clone()),
            ("VOUCH_PASSWORD", STAFF_PASSWORD.to_owned()),
            ("VOUCH_HR_EMAIL", hr.email.clone()),
            (
                "VOUCH_EXPECT_ENGAGEMENTS",
                calibration.engagements.to_string(),
            ),
            (
                "VOUCH_EXPECT_PLOTS",
                (1 + calibration.dimensions.len()).to_string(),
            ),
            ("VOUCH_EXPECT_POINTS", points.to_string()),
            ("VOUCH_PROVIDER_ID", provider_id.to_string()),
            (
                "VOUCH_SCREENSHOT_DIR",
                screenshot_dir(temp.path()).display().to_string(),
            ),
        ],
    )
    .await;
}
