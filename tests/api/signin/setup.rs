//! First run: the one-time setup link for the first admin.

use std::io::{BufRead, Read};
use std::process::{Command, Stdio};

use sea_orm::EntityTrait;
use store::entity::{audit_event, setup_token};
use testkit::TestApp;

use super::location;
use crate::on_both_databases;

on_both_databases!(
    the_setup_link_creates_the_first_admin_once,
    a_setup_link_works_for_an_hour_and_a_newer_one_replaces_it,
);

async fn the_setup_link_creates_the_first_admin_once(app: TestApp) {
    let token = app
        .engine
        .accounts()
        .first_run_setup_token()
        .await
        .unwrap()
        .expect("no admin yet: a link");
    let rows = setup_token::Entity::find()
        .all(app.engine.db())
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0].token_hash,
        engine::credentials::token_hash(&token),
        "only the hash is kept"
    );

    let path = format!("/ui/setup/{token}");
    let ui = app.ui();
    let (status, html) = ui.page(&path).await;
    assert_eq!(status, 200);
    assert!(html.contains("Create the admin account"));

    let res = ui
        .post(
            &path,
            &path,
            &[
                ("email", "not an email"),
                ("name", ""),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    for message in [
        "ust be a valid email address",
        "nter your name",
        "12 to 200 characters",
    ] {
        assert!(html.contains(message), "{message}: {html}");
    }

    let res = ui
        .post(
            &path,
            &path,
            &[
                ("email", "Founder@Example.com"),
                ("name", "Fran Founder"),
                ("password", "a long first passphrase"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/ui/admin/users");
    let (status, html) = ui.page("/ui/admin/users").await;
    assert_eq!(status, 200, "signed in as the new admin");
    assert!(html.contains("Fran Founder"));
    let admin = app
        .engine
        .accounts()
        .find_user_by_email("founder@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(admin.role, engine::domain::Role::Admin);
    assert_eq!(
        app.ui()
            .login("founder@example.com", "a long first passphrase")
            .await
            .status(),
        303
    );
    assert!(
        audit_event::Entity::find()
            .all(app.engine.db())
            .await
            .unwrap()
            .iter()
            .any(|e| e.kind == "user.first_admin_set_up")
    );

    // Spent: the link is gone, and with an admin there is no new one.
    assert_eq!(app.ui().get(&path).await.status(), 404);
    let res = app
        .ui()
        .post_raw(
            &path,
            &[
                ("email", "x@example.com"),
                ("name", "X"),
                ("password", "another passphrase"),
            ],
        )
        .await;
    assert!(
        res.status() == 403 || res.status() == 404,
        "{}",
        res.status()
    );
    assert!(
        app.engine
            .accounts()
            .first_run_setup_token()
            .await
            .unwrap()
            .is_none()
    );
}

async fn a_setup_link_works_for_an_hour_and_a_newer_one_replaces_it(app: TestApp) {
    let first = app
        .engine
        .accounts()
        .first_run_setup_token()
        .await
        .unwrap()
        .unwrap();
    let second = app
        .engine
        .accounts()
        .first_run_setup_token()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        app.ui().get(&format!("/ui/setup/{first}")).await.status(),
        404
    );
    assert_eq!(
        app.ui().get(&format!("/ui/setup/{second}")).await.status(),
        200
    );
    app.clock.advance(chrono::Duration::minutes(61));
    assert_eq!(
        app.ui().get(&format!("/ui/setup/{second}")).await.status(),
        404
    );
    assert_eq!(app.ui().get("/ui/setup/never-issued").await.status(), 404);
}

/// `vouch serve` on `db_url` until it is serving; its stdout and log, after SIGTERM.
fn serve_output(db_url: &str) -> (String, String) {
    let mail_dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_vouch"))
        .arg("serve")
        .env("VOUCH__DATABASE__URL", db_url)
        .env("VOUCH__SERVER__BIND", "127.0.0.1:0")
        .env("VOUCH__SERVER__PUBLIC_URL", "https://vouch.example.com")
        .env("VOUCH__MAIL__DIR", mail_dir.path())
        .env("VOUCH_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run vouch");
    let stderr = child.stderr.take().unwrap();
    let mut log = String::new();
    for line in std::io::BufReader::new(stderr).lines() {
        let line = line.unwrap();
        log.push_str(&line);
        log.push('\n');
        if line.contains("vouch is serving") {
            break;
        }
    }
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    child.wait().unwrap();
    (stdout, log)
}

#[test]
fn serve_prints_a_setup_link_only_while_no_admin_exists() {
    let db = testkit::TestDb::sqlite();
    let (stdout, log) = serve_output(&db.url);
    let links: Vec<&str> = stdout
        .split_whitespace()
        .filter(|w| w.starts_with("https://vouch.example.com/ui/setup/"))
        .collect();
    assert_eq!(links.len(), 1, "one link on the terminal: {stdout}");
    assert!(log.contains(links[0]), "and in the log: {log}");

    // The CLI path stays: once an admin exists, serve prints no link.
    let out = Command::new(env!("CARGO_BIN_EXE_vouch"))
        .args([
            "admin",
            "create-user",
            "--email",
            "admin@example.com",
            "--name",
            "Ada",
            "--role",
            "admin",
        ])
        .env("VOUCH__DATABASE__URL", &db.url)
        .env("VOUCH_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (stdout, log) = serve_output(&db.url);
    assert!(!stdout.contains("/ui/setup/"), "{stdout}");
    assert!(!log.contains("/ui/setup/"), "{log}");
}
