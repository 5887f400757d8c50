//! The referee questionnaire in a real browser: Debian's chromium, driven by
//! `tests/browser/referee.mjs` (playwright-core, axe-core), against the real server. The
//! referee opens the link from the captured invitation email on a phone, forgets a
//! required answer, is shown the error with what they typed kept, answers it and lands on
//! the thank-you page; the engine then holds a completed reference with the answers.
//!
//! Needs node, `npm ci --prefix tests/browser` and chromium (`.ci/run` installs them).
//! Without them the test is skipped with a message, unless `CI` is set, where it fails.
//! With `VOUCH_UPDATE_SCREENSHOTS=1` it writes `docs/screenshots/form-phone.png` and
//! `form-desktop.png`.

use std::path::PathBuf;
use std::process::Command;

use engine::domain::Role;
use engine::entity::{answer, reference_request, response};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;
use testkit::{Backend, TestApp};
use uuid::Uuid;

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
        panic!("the browser test needs: {missing}");
    }
    eprintln!("skipping the browser test: missing {missing}");
    None
}

async fn launch_case_with_two_referees(app: &TestApp) -> Vec<Value> {
    let ops = app.token_for(Role::Ops).await;
    let case = app.create_case(&ops).await;
    let case_id = case["id"].as_str().unwrap();
    let references = vec![
        app.add_reference(&ops, case_id, 1).await,
        app.add_reference(&ops, case_id, 2).await,
    ];
    let res = app
        .post(&format!("/api/v1/cases/{case_id}/launch"), &ops)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "launch");
    app.engine.run_until_idle().await.unwrap();
    references
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

async fn stored_answers(app: &TestApp, reference_id: Uuid) -> Vec<answer::Model> {
    let response = response::Entity::find()
        .filter(response::Column::ReferenceId.eq(reference_id))
        .one(app.engine.db())
        .await
        .unwrap()
        .expect("a stored response");
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
    let references = launch_case_with_two_referees(&app).await;
    let phone_link = form_link(&app, &references[0]);
    let desktop_link = form_link(&app, &references[1]);

    let root = repo_root();
    let temp = tempfile::tempdir().unwrap();
    let screenshots = if std::env::var("VOUCH_UPDATE_SCREENSHOTS").as_deref() == Ok("1") {
        root.join("docs/screenshots")
    } else {
        temp.path().to_owned()
    };
    let mut command = Command::new(&tools.node);
    command
        .arg(root.join("tests/browser/referee.mjs"))
        .current_dir(&root)
        .env("VOUCH_FORM_URL", &phone_link)
        .env("VOUCH_FORM_URL_2", &desktop_link)
        .env("VOUCH_SCREENSHOT_DIR", &screenshots)
        .env("VOUCH_CONCERNS_TEXT", CONCERNS)
        .env("CHROMIUM", &tools.chromium)
        .env("FORCE_COLOR", "0");
    // The server answers the browser from this runtime's workers while a blocking thread
    // waits for the script (which stops itself after two minutes at most).
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .expect("run node tests/browser/referee.mjs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "tests/browser/referee.mjs failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    println!("{stdout}{stderr}");

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
