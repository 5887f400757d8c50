//! Issue 19, "survive outages": Vouch against a database server that is stopped and started
//! under it (`postgres_restart`, on a cluster the test makes itself), a mail server that
//! refuses connections or hangs (`smtp_outage`), and job processes killed with SIGKILL in
//! the middle of dispatch (`sigkill`). The first and last run the real `vouch` binary, as an
//! operator would; this module holds what they share: starting and killing `vouch`
//! processes, and counting the invitations a sink received.
//!
//! Nothing here waits for time to pass: waits are on the sink (woken by each delivery) or
//! bounded polling loops that fail with a message saying what never happened.

use std::collections::{BTreeMap, VecDeque};
use std::io::BufRead;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use smtp_sink::{Captured, SmtpSink};

mod postgres_restart;
mod sigkill;
mod smtp_outage;

/// Jobs each `vouch` process here runs at once (`workflow.concurrency`, one worker). Every
/// message in the 250→commit window belongs to a job in hand, so an outage or a kill
/// duplicates at most this many; connections are no bound, as a connection handed back
/// after one job's 250 carries the next job's message while the first waits to commit.
pub const JOBS_AT_ONCE: usize = 4;

/// How many of its stderr lines a `vouch` process keeps for failure messages.
const LOG_LINES: usize = 200;

/// The environment of a `vouch` process on `database_url` that mails through the sink on
/// `smtp_port`: loopback only, a random HTTP port, links under `testkit::PUBLIC_URL`, JSON
/// logs (so the serving port can be read). Workers look for jobs every 50 ms, a claimed job
/// is another worker's to take over 2 s after its worker died, and a job that failed
/// retries after about a second: the defaults (1 s, 60 s, 60 s) would only make the tests
/// wait longer, not behave differently.
pub fn vouch_env(database_url: &str, smtp_port: u16) -> Vec<(&'static str, String)> {
    vec![
        ("VOUCH__DATABASE__URL", database_url.to_owned()),
        ("VOUCH__SERVER__BIND", "127.0.0.1:0".to_owned()),
        ("VOUCH__SERVER__PUBLIC_URL", testkit::PUBLIC_URL.to_owned()),
        ("VOUCH__MAIL__TRANSPORT", "smtp".to_owned()),
        ("VOUCH__MAIL__SMTP__HOST", "127.0.0.1".to_owned()),
        ("VOUCH__MAIL__SMTP__PORT", smtp_port.to_string()),
        ("VOUCH__MAIL__SMTP__TLS", "none".to_owned()),
        ("VOUCH__WORKFLOW__POLL_INTERVAL_MS", "50".to_owned()),
        ("VOUCH__WORKFLOW__CONCURRENCY", JOBS_AT_ONCE.to_string()),
        ("VOUCH__WORKFLOW__LEASE_SECONDS", "2".to_owned()),
        ("VOUCH__WORKFLOW__RETRY_BASE_SECONDS", "1".to_owned()),
        ("VOUCH__LOG__FORMAT", "json".to_owned()),
        ("VOUCH_LOG", "info,sqlx=warn,sea_orm=warn".to_owned()),
    ]
}

/// Runs `vouch <args>` to completion (an admin command) and returns its output.
pub fn vouch_cli(env: &[(&str, String)], args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vouch"))
        .args(args)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(Stdio::null())
        .output()
        .expect("run vouch")
}

/// Creates an ops user with `vouch admin create-user` and returns the API token `vouch
/// admin create-token` prints for it.
pub fn ops_token_by_cli(env: &[(&str, String)]) -> String {
    let email = format!("ops-{}@example.com", uuid::Uuid::new_v4().simple());
    let created = vouch_cli(
        env,
        &[
            "admin",
            "create-user",
            "--email",
            &email,
            "--name",
            "Olive Ops",
            "--role",
            "ops",
        ],
    );
    assert!(
        created.status.success(),
        "create-user: {}",
        String::from_utf8_lossy(&created.stderr)
    );
    let token = vouch_cli(env, &["admin", "create-token", "--email", &email]);
    assert!(
        token.status.success(),
        "create-token: {}",
        String::from_utf8_lossy(&token.stderr)
    );
    String::from_utf8(token.stdout)
        .expect("token is text")
        .trim()
        .to_owned()
}

/// A running `vouch serve` or `vouch worker`. Dropping it kills it (SIGKILL).
pub struct Vouch {
    command: String,
    child: Child,
    log: Arc<Mutex<VecDeque<String>>>,
    serving: Option<tokio::sync::oneshot::Receiver<u16>>,
}

impl Vouch {
    /// Starts `vouch <command>` with `env` and returns at once.
    pub fn start(command: &str, env: &[(&str, String)]) -> Vouch {
        let mut child = Command::new(env!("CARGO_BIN_EXE_vouch"))
            .arg(command)
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run vouch");
        let stderr = child.stderr.take().expect("stderr");
        let log = Arc::new(Mutex::new(VecDeque::new()));
        let (port_tx, port_rx) = tokio::sync::oneshot::channel();
        let kept = Arc::clone(&log);
        // Drains stderr (a full pipe would block the process), keeps the last lines, and
        // reports the port from the "vouch is serving" line.
        std::thread::spawn(move || {
            let mut port_tx = Some(port_tx);
            for line in std::io::BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Ok(event) = serde_json::from_str::<serde_json::Value>(&line)
                    && event["fields"]["message"]
                        .as_str()
                        .is_some_and(|m| m.starts_with("vouch is serving"))
                    && let Some(port) = event["fields"]["port"].as_u64()
                    && let Some(tx) = port_tx.take()
                {
                    let _ = tx.send(port as u16);
                }
                let mut log = kept.lock().unwrap_or_else(|p| p.into_inner());
                if log.len() == LOG_LINES {
                    log.pop_front();
                }
                log.push_back(line);
            }
        });
        Vouch {
            command: command.to_owned(),
            child,
            log,
            serving: Some(port_rx),
        }
    }

    /// Starts `vouch serve` and returns it with its HTTP port once it serves.
    pub async fn serve(env: &[(&str, String)]) -> (Vouch, u16) {
        let mut vouch = Vouch::start("serve", env);
        let port_rx = vouch.serving.take().expect("port receiver");
        // A guard against a server that never comes up, not a timing assertion.
        match tokio::time::timeout(Duration::from_secs(60), port_rx).await {
            Ok(Ok(port)) => (vouch, port),
            _ => panic!("`vouch serve` did not start serving:\n{}", vouch.log_tail()),
        }
    }

    /// Whether the process is still running.
    pub fn is_alive(&mut self) -> bool {
        self.child.try_wait().expect("try_wait").is_none()
    }

    /// SIGKILL, then reaps the process.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The process's last log lines, for failure messages.
    pub fn log_tail(&self) -> String {
        let log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        format!(
            "--- last {} line(s) of `vouch {}` ---\n{}",
            log.len(),
            self.command,
            Vec::from_iter(log.iter().cloned()).join("\n")
        )
    }
}

impl Drop for Vouch {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Waits until the sink holds more than `before` messages, while `process` runs. Fails
/// with the process's log if it exits first, or after the sink's guard (60 s).
pub async fn wait_for_more_mail(sink: &SmtpSink, before: usize, process: &mut Vouch) {
    let more = sink.wait_for(before + 1);
    tokio::pin!(more);
    // Bounded: the sink's own guard ends the wait after 60 s.
    loop {
        tokio::select! {
            _ = &mut more => return,
            // Polls only whether the process died, to fail with its log rather than wait
            // out the guard.
            _ = tokio::time::sleep(Duration::from_millis(200)) => {
                if !process.is_alive() {
                    panic!(
                        "`vouch {}` exited before sending more mail:\n{}",
                        process.command,
                        process.log_tail()
                    );
                }
            }
        }
    }
}

/// How many messages each of `referees` got among `messages` (each counted once per
/// message, whoever else it was addressed to).
pub fn per_referee(messages: &[Captured], referees: &[String]) -> BTreeMap<String, usize> {
    let mut counts: BTreeMap<String, usize> = referees.iter().map(|r| (r.clone(), 0)).collect();
    for message in messages {
        for recipient in &message.recipients {
            if let Some(n) = counts.get_mut(recipient) {
                *n += 1;
            }
        }
    }
    counts
}

/// What the sink says about `referees`: who got nothing, and how many messages beyond the
/// first one each there were (duplicates), with their Message-IDs checked to differ: a
/// copy sent again after the 250→commit window carries a link of its own, and a mail
/// client must not hide it as a duplicate of the copy whose link was never stored.
pub struct Tally {
    pub missing: Vec<String>,
    pub duplicates: usize,
}

pub fn tally(messages: &[Captured], referees: &[String]) -> Tally {
    let counts = per_referee(messages, referees);
    let missing = counts
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(r, _)| r.clone())
        .collect();
    let duplicates = counts.values().map(|n| n.saturating_sub(1)).sum();
    for referee in referees {
        let ids: Vec<Option<String>> = messages
            .iter()
            .filter(|m| m.recipients.contains(referee))
            .map(|m| m.header("Message-ID"))
            .collect();
        let distinct: std::collections::BTreeSet<_> = ids.iter().collect();
        assert_eq!(
            distinct.len(),
            ids.len(),
            "every copy to {referee} is a message of its own (its own Message-ID): {ids:?}"
        );
    }
    Tally {
        missing,
        duplicates,
    }
}

/// Polls `check` (every 100 ms, at most `tries` times) until it returns `Some`; panics
/// naming `what` when it never does.
pub async fn eventually<T>(
    what: &str,
    tries: usize,
    mut check: impl AsyncFnMut() -> Option<T>,
) -> T {
    for _ in 0..tries {
        if let Some(value) = check().await {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what}: still not the case after {tries} tries");
}

/// How many `send_invitation` jobs are not `done` yet.
pub async fn invitations_not_done(db: &impl sea_orm::ConnectionTrait) -> usize {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use store::entity::job;
    job::Entity::find()
        .filter(job::Column::Kind.eq("send_invitation"))
        .filter(job::Column::Status.ne("done"))
        .all(db)
        .await
        .expect("read jobs")
        .len()
}
