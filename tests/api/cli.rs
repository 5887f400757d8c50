//! The `vouch` binary's admin commands, run as a user would run them.

use std::io::Write;
use std::process::{Command, Stdio};

fn vouch(db_url: &str, args: &[&str], stdin: Option<&str>) -> std::process::Output {
    vouch_env(db_url, args, stdin, &[])
}

fn vouch_env(
    db_url: &str,
    args: &[&str],
    stdin: Option<&str>,
    env: &[(&str, String)],
) -> std::process::Output {
    let mail_dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_vouch"))
        .args(args)
        .env("VOUCH__MAIL__DIR", mail_dir.path())
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .env("VOUCH__DATABASE__URL", db_url)
        .env("VOUCH_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run vouch");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn create_user_then_create_token_prints_a_working_token_alone() {
    let db = testkit::TestDb::sqlite();
    let out = vouch(&db.url, &["migrate"], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = vouch(
        &db.url,
        &[
            "admin",
            "create-user",
            "--email",
            "ops@example.com",
            "--name",
            "Olive Ops",
            "--role",
            "ops",
            "--password-stdin",
        ],
        Some("a long enough password\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = vouch(
        &db.url,
        &[
            "admin",
            "create-token",
            "--email",
            "ops@example.com",
            "--label",
            "ci",
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let token = stdout.strip_suffix('\n').expect("one line");
    assert_eq!(token.len(), 43, "only the token is printed: {stdout:?}");
    assert!(!token.contains(char::is_whitespace));

    let conn = engine::db::connect(&db.url).await.unwrap();
    let mail_dir = tempfile::tempdir().unwrap();
    let mail = mailer::Mailer::from_settings(
        &mailer::MailSettings {
            dir: mail_dir.path().to_owned(),
            ..Default::default()
        },
        "http://vouch.test",
    )
    .unwrap();
    let engine = engine::Engine::new(
        conn,
        Default::default(),
        std::sync::Arc::new(engine::clock::SystemClock),
        std::sync::Arc::new(mail),
    );
    let user = engine
        .accounts()
        .authenticate_token(token)
        .await
        .unwrap()
        .expect("token works");
    assert_eq!(user.email, "ops@example.com");
    assert_eq!(user.role, engine::domain::Role::Ops);
}

#[test]
fn create_user_rejects_bad_input_with_a_clear_message() {
    let db = testkit::TestDb::sqlite();
    let out = vouch(
        &db.url,
        &[
            "admin",
            "create-user",
            "--email",
            "nope",
            "--name",
            "N",
            "--role",
            "ops",
        ],
        None,
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a valid email"));
    let out = vouch(
        &db.url,
        &[
            "admin",
            "create-user",
            "--email",
            "a@b.example",
            "--name",
            "N",
            "--role",
            "boss",
        ],
        None,
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a role"));
    let out = vouch(
        &db.url,
        &["admin", "create-token", "--email", "ghost@example.com"],
        None,
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no user with email"));
    assert!(
        out.stdout.is_empty(),
        "nothing on stdout when no token was made"
    );
    let out = vouch(
        &db.url,
        &[
            "admin",
            "create-user",
            "--email",
            "a@b.example",
            "--name",
            "N",
            "--role",
            "hr",
        ],
        None,
    );
    assert!(out.status.success());
    let out = vouch(
        &db.url,
        &[
            "admin",
            "create-user",
            "--email",
            "A@b.example",
            "--name",
            "N",
            "--role",
            "hr",
        ],
        None,
    );
    assert!(
        !out.status.success(),
        "duplicate email (case-insensitive) is refused"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
}

#[test]
fn doctor_reports_an_unreachable_database() {
    let out = vouch("postgres://nobody@127.0.0.1:1/none", &["doctor"], None);
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("FAILED"), "{stdout}");
    let db = testkit::TestDb::sqlite();
    let out = vouch(&db.url, &["doctor"], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[tokio::test]
async fn doctor_checks_the_smtp_server_when_mail_goes_over_smtp() {
    let sink = smtp_sink::SmtpSink::start().await;
    let db = testkit::TestDb::sqlite();
    let smtp = |port: u16| {
        vec![
            ("VOUCH__MAIL__TRANSPORT", "smtp".to_owned()),
            ("VOUCH__MAIL__SMTP__HOST", "127.0.0.1".to_owned()),
            ("VOUCH__MAIL__SMTP__PORT", port.to_string()),
            ("VOUCH__MAIL__SMTP__TLS", "none".to_owned()),
        ]
    };
    let url = db.url.clone();
    let port = sink.port();
    let out = tokio::task::spawn_blocking(move || vouch_env(&url, &["doctor"], None, &smtp(port)))
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("SMTP 127.0.0.1"), "{stdout}");
    sink.stop().await;

    let url = db.url.clone();
    let out = tokio::task::spawn_blocking(move || vouch_env(&url, &["doctor"], None, &smtp(port)))
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        !out.status.success(),
        "a stopped SMTP server is a problem: {stdout}"
    );
    assert!(stdout.contains("FAIL"), "{stdout}");
}

#[test]
fn a_misspelt_environment_variable_stops_the_start_naming_it() {
    let db = testkit::TestDb::sqlite();
    let out = vouch_env(
        &db.url,
        &["migrate"],
        None,
        &[("VOUCH__DATABASE__URLL", "x".to_owned())],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("urll"));
}

/// Starts `vouch <command>` and returns it once it has logged `ready_line` on stderr.
fn start_until(
    db_url: &str,
    command: &str,
    ready_line: &str,
) -> (std::process::Child, tempfile::TempDir) {
    use std::io::BufRead;
    let mail_dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_vouch"))
        .arg(command)
        .env("VOUCH__DATABASE__URL", db_url)
        .env("VOUCH__SERVER__BIND", "127.0.0.1:0")
        .env("VOUCH__MAIL__DIR", mail_dir.path())
        .env("VOUCH_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run vouch");
    let stderr = child.stderr.take().unwrap();
    let mut lines = std::io::BufReader::new(stderr).lines();
    for line in lines.by_ref() {
        if line.unwrap().contains(ready_line) {
            break;
        }
    }
    // Keep draining stderr so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, mail_dir)
}

fn sigterm(child: &std::process::Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn worker_and_serve_stop_cleanly_on_sigterm() {
    let db = testkit::TestDb::sqlite();
    for (command, ready) in [("worker", "worker started"), ("serve", "vouch is serving")] {
        let (mut child, _mail) = start_until(&db.url, command, ready);
        sigterm(&child);
        let status = child.wait().unwrap();
        assert!(
            status.success(),
            "`vouch {command}` exits 0 after SIGTERM: {status}"
        );
    }
}

#[test]
fn demo_seeds_a_case_with_a_report_and_can_run_twice() {
    let db = testkit::TestDb::sqlite();
    let mut passwords = Vec::new();
    for _ in 0..2 {
        let out = vouch(&db.url, &["demo"], None);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("is ready (review)"), "{stdout}");
        assert!(
            stdout.contains("5 demo engagements") && stdout.contains("/ui/insights/calibration"),
            "the calibration page has demo data to show: {stdout}"
        );
        assert!(
            stdout.contains("recommendation review, 4 of 5 referees answered, 1 flag(s)"),
            "{stdout}"
        );
        assert!(
            stdout.contains("/api/v1/cases/"),
            "says where to look: {stdout}"
        );
        assert!(stdout.contains("/ui/cases/") && stdout.contains("/report"));
        // The printed staff password signs in to the web UI.
        let line = stdout
            .lines()
            .find(|l| l.trim_start().starts_with("demo-hr@vouch.example"))
            .unwrap_or_else(|| panic!("no demo-hr line: {stdout}"));
        let password = line.split_whitespace().nth(2).unwrap().to_owned();
        let url = db.url.clone();
        let check = password.clone();
        let signed_in = tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(async move {
                let conn = engine::db::connect(&url).await.unwrap();
                let engine = engine::Engine::new(
                    conn,
                    Default::default(),
                    std::sync::Arc::new(engine::clock::SystemClock),
                    std::sync::Arc::new(
                        mailer::Mailer::from_settings(&Default::default(), testkit::PUBLIC_URL)
                            .unwrap(),
                    ),
                );
                engine
                    .accounts()
                    .login("demo-hr@vouch.example", &check, None)
                    .await
                    .unwrap()
            });
        assert!(matches!(
            signed_in,
            engine::sessions::Login::SignedIn { .. }
        ));
        passwords.push(password);
    }
    assert_ne!(
        passwords[0], passwords[1],
        "each demo run sets a fresh password"
    );
}

/// A one-shot command logs warnings only unless `VOUCH_LOG` asks for more: `vouch demo`
/// once wrote some 70 info lines (every invitation and job) before its summary. Its
/// engagements differ by dimension, and its response history looks like people.
#[test]
fn demo_logs_nothing_below_a_warning_unless_asked_and_its_engagements_differ_by_dimension() {
    let db = testkit::TestDb::sqlite();
    let mail_dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_vouch"))
        .arg("demo")
        .env("VOUCH__MAIL__DIR", mail_dir.path())
        .env("VOUCH__DATABASE__URL", &db.url)
        .env_remove("VOUCH_LOG")
        .stdin(Stdio::null())
        .output()
        .expect("run vouch demo");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        !stderr.contains(" INFO ") && !stderr.contains("\"level\":\"INFO\""),
        "no info lines: {stderr}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("is ready (review)"));

    // The demo engagements differ by dimension: the calibration page's plots are not nine
    // copies of one.
    let url = db.url.clone();
    let plots: Vec<String> = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(async move {
            let conn = engine::db::connect(&url).await.unwrap();
            let engine = engine::Engine::new(
                conn,
                Default::default(),
                std::sync::Arc::new(engine::clock::SystemClock),
                std::sync::Arc::new(
                    mailer::Mailer::from_settings(&Default::default(), testkit::PUBLIC_URL)
                        .unwrap(),
                ),
            );
            // And the response insights have a believable history to show.
            let window = engine::insights::Window::new(None, None, engine.now()).unwrap();
            let insights = engine.reports().response_insights(window).await.unwrap();
            assert!(insights.includes_demo, "{insights:?}");
            assert!(insights.invited >= 60, "{insights:?}");
            let rate = insights.response_rate.unwrap();
            assert!(rate > 0.4 && rate < 0.95, "{insights:?}");
            let hours = insights.median_hours_to_first_response.unwrap();
            assert!(hours > 2.0 && hours < 96.0, "{insights:?}");
            assert!(insights.completions_after.reminder_1 > 0, "{insights:?}");
            assert!(insights.cases_at_quorum > 0, "{insights:?}");
            let calibration = engine.engagements().calibration().await.unwrap();
            assert!(calibration.includes_demo);
            calibration
                .dimensions
                .iter()
                .map(|d| format!("{:?}", d.points))
                .collect()
        });
    let mut distinct = plots.clone();
    distinct.sort();
    distinct.dedup();
    assert!(
        distinct.len() >= 3,
        "{} distinct plots of {}: {plots:?}",
        distinct.len(),
        plots.len()
    );
}

/// The lines `vouch serve` logs up to "vouch is serving", with `format` as `log.format`;
/// the server is stopped afterwards.
fn serve_log_lines(db_url: &str, format: &str) -> Vec<String> {
    use std::io::BufRead;
    let mail_dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_vouch"))
        .arg("serve")
        .env("VOUCH__DATABASE__URL", db_url)
        .env("VOUCH__SERVER__BIND", "127.0.0.1:0")
        .env("VOUCH__MAIL__DIR", mail_dir.path())
        .env("VOUCH__LOG__FORMAT", format)
        .env("VOUCH_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run vouch");
    let stderr = child.stderr.take().unwrap();
    let mut lines = Vec::new();
    for line in std::io::BufReader::new(stderr).lines() {
        let line = line.unwrap();
        let ready = line.contains("vouch is serving");
        lines.push(line);
        if ready {
            break;
        }
    }
    sigterm(&child);
    child.wait().unwrap();
    lines
}

#[test]
fn logs_to_a_pipe_are_plain_text_or_json_lines_as_configured() {
    let db = testkit::TestDb::sqlite();
    let text = serve_log_lines(&db.url, "text");
    assert!(text.last().is_some_and(|l| l.contains("INFO")), "{text:?}");
    assert!(
        text.iter().all(|l| !l.contains('\u{1b}')),
        "no colour codes when stderr is not a terminal: {text:?}"
    );
    let json = serve_log_lines(&db.url, "json");
    let last: serde_json::Value =
        serde_json::from_str(json.last().unwrap()).expect("a JSON log line");
    assert_eq!(last["level"], "INFO");
    assert_eq!(
        last["fields"]["message"],
        "vouch is serving; API docs at /api/docs"
    );

    let out = vouch_env(
        &db.url,
        &["migrate"],
        None,
        &[("VOUCH__LOG__FORMAT", "xml".to_owned())],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("xml"));
}

/// `vouch retention --dry-run` prints what would go, per class and case, and changes
/// nothing; `vouch retention` then erases it. (0 days: due at once on the real clock.)
#[tokio::test]
async fn retention_dry_run_prints_per_case_counts_and_the_real_run_erases() {
    let app = testkit::TestApp::spawn(testkit::Backend::Sqlite)
        .await
        .unwrap();
    let case = crate::privacy::decided_case(&app).await;
    let url = app.database_url().to_owned();
    // A message the file transport wrote an hour ago: past a period of 0 days.
    let mail_dir = tempfile::tempdir().unwrap();
    let message = mail_dir.path().join("0190f3a1.eml");
    std::fs::File::create(&message)
        .unwrap()
        .set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(3600))
        .unwrap();
    let env = [
        ("VOUCH__RETENTION__REFEREE_IDENTITY_DAYS", "0".to_owned()),
        ("VOUCH__RETENTION__COMMENTS_DAYS", "0".to_owned()),
        ("VOUCH__MAIL__DIR", mail_dir.path().display().to_string()),
    ];
    let run = |args: &'static [&'static str]| {
        let (url, env) = (url.clone(), env.clone());
        tokio::task::spawn_blocking(move || vouch_env(&url, args, None, &env))
    };
    let out = run(&["retention", "--dry-run"]).await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("dry run: nothing changed"), "{stdout}");
    assert!(
        stdout.contains("referee identity: would erase 3 reference(s)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("free text: would erase for 3 reference(s)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("mail files (.eml in mail.dir): would erase 1"),
        "{stdout}"
    );
    assert!(message.exists());
    assert!(
        stdout.contains(&format!("case {} (", case.id))
            && stdout.contains("identity 3, free text 3"),
        "{stdout}"
    );
    assert!(
        !crate::privacy::rows_containing(&app, &case.email(0))
            .await
            .is_empty()
    );

    let out = run(&["retention"]).await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("referee identity: erased 3 reference(s)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("mail files (.eml in mail.dir): erased 1"),
        "{stdout}"
    );
    assert!(!message.exists());
    assert!(
        crate::privacy::rows_containing(&app, &case.email(0))
            .await
            .is_empty()
    );
}

/// The file transport with an https `public_url` is a misconfiguration `doctor` names.
#[test]
fn doctor_warns_when_a_public_https_site_writes_mail_to_files() {
    let db = testkit::TestDb::sqlite();
    let out = vouch_env(
        &db.url,
        &["doctor"],
        None,
        &[(
            "VOUCH__SERVER__PUBLIC_URL",
            "https://vouch.example.com".to_owned(),
        )],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("WARNING: public_url is https but mail goes to files"),
        "{stdout}"
    );
    let out = vouch(&db.url, &["doctor"], None);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("WARNING"));
}

#[tokio::test]
async fn create_scim_token_prints_a_working_scim_token_alone() {
    let db = testkit::TestDb::sqlite();
    assert!(vouch(&db.url, &["migrate"], None).status.success());
    let out = vouch(
        &db.url,
        &["admin", "create-scim-token", "--label", "Entra ID"],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let token = stdout.strip_suffix('\n').expect("one line");
    assert_eq!(token.len(), 43, "only the token is printed: {stdout:?}");

    let conn = engine::db::connect(&db.url).await.unwrap();
    let mail_dir = tempfile::tempdir().unwrap();
    let mail = mailer::Mailer::from_settings(
        &mailer::MailSettings {
            dir: mail_dir.path().to_owned(),
            ..Default::default()
        },
        "http://vouch.test",
    )
    .unwrap();
    let engine = engine::Engine::new(
        conn,
        Default::default(),
        std::sync::Arc::new(engine::clock::SystemClock),
        std::sync::Arc::new(mail),
    );
    assert!(
        engine
            .provisioning()
            .authenticate_scim_token(token)
            .await
            .unwrap()
    );
    assert!(
        engine
            .accounts()
            .authenticate_token(token)
            .await
            .unwrap()
            .is_none(),
        "a SCIM token is not a staff API token"
    );
    let listed = engine.provisioning().list_scim_tokens().await.unwrap();
    assert_eq!(listed[0].label, "Entra ID");
}
