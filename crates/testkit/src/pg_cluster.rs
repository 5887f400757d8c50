//! A PostgreSQL cluster of a test's own: `initdb` into a temporary directory and `pg_ctl`
//! on a free loopback port with trust authentication, so a test can stop, start and
//! restart the database server under a running Vouch. It never touches any other server
//! (the shared one on 5432 included): everything it runs names its own data directory.
//!
//! The binaries are found through `VOUCH_TEST_PG_BINDIR`, else `pg_config --bindir`, else
//! the newest `/usr/lib/postgresql/*/bin`. PostgreSQL refuses to run as root, so as root
//! they run as the `postgres` OS user (`runuser -u postgres --`), which owns the directory.
//! When that is not possible the test is skipped with a message, unless `CI` is set, where
//! it fails: the same policy as [`crate::TestDb::postgres`].

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A running (or stopped) PostgreSQL cluster in a temporary directory. Dropping it stops
/// the server (immediate mode) and removes the directory.
pub struct TempCluster {
    bindir: PathBuf,
    /// `Some("postgres")` when the commands must run as that user (we are root).
    run_as: Option<String>,
    port: u16,
    running: bool,
    // Declared last: removed after the server was stopped in `drop`.
    dir: tempfile::TempDir,
}

/// Why no cluster can be made here (a missing binary, no `postgres` user as root, …).
fn unavailable(reason: String) -> Option<TempCluster> {
    if std::env::var_os("CI").is_some() {
        panic!("a temporary PostgreSQL cluster is required on CI but cannot be made: {reason}");
    }
    eprintln!("skipping test with its own PostgreSQL cluster: {reason}");
    None
}

impl TempCluster {
    /// `initdb` into a new temporary directory and start the server on a free loopback
    /// port. `None` (with a message) when PostgreSQL's binaries or a user to run them as
    /// are missing and `CI` is not set.
    ///
    /// Blocking: it runs processes and waits for the server to accept connections (a few
    /// seconds). From async code call it where blocking is allowed (e.g. `block_in_place`).
    ///
    /// # Panics
    /// When `initdb` or the first start fails although everything needed is there: that is
    /// a real failure, reported with PostgreSQL's output.
    pub fn new() -> Option<TempCluster> {
        let bindir = match find_bindir() {
            Ok(dir) => dir,
            Err(reason) => return unavailable(reason),
        };
        let run_as = match running_as_root() {
            Ok(false) => None,
            Ok(true) => {
                let user_exists = Command::new("id")
                    .args(["-u", "postgres"])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .is_ok_and(|s| s.success());
                if !user_exists {
                    return unavailable(
                        "running as root, and there is no `postgres` user to run initdb as".into(),
                    );
                }
                if Command::new("runuser").arg("--help").output().is_err() {
                    return unavailable("running as root, and `runuser` is missing".into());
                }
                Some("postgres".to_owned())
            }
            Err(reason) => return unavailable(reason),
        };
        let dir = tempfile::Builder::new()
            .prefix("vouch-pg-")
            .tempdir()
            .expect("temp dir for the PostgreSQL cluster");
        if let Some(user) = &run_as {
            let owned = Command::new("chown")
                .arg(format!("{user}:"))
                .arg(dir.path())
                .status()
                .expect("run chown");
            assert!(owned.success(), "chown {user}: {}", dir.path().display());
        }
        let mut cluster = TempCluster {
            bindir,
            run_as,
            port: 0,
            running: false,
            dir,
        };
        let data = cluster.data_dir();
        let init = cluster.run(
            "initdb",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-A".as_ref(),
                "trust".as_ref(),
                "-U".as_ref(),
                "postgres".as_ref(),
                "-E".as_ref(),
                "UTF8".as_ref(),
                "--locale=C".as_ref(),
                "--no-sync".as_ref(),
            ],
        );
        assert!(
            init.status.success(),
            "initdb failed: {}{}",
            String::from_utf8_lossy(&init.stdout),
            String::from_utf8_lossy(&init.stderr)
        );
        // A port that was free a moment ago may be taken before the server binds it; try a
        // few.
        let mut last_error = String::new();
        for _ in 0..5 {
            cluster.port = free_port();
            match cluster.try_start() {
                Ok(()) => return Some(cluster),
                Err(e) => last_error = e,
            }
        }
        panic!("the temporary PostgreSQL cluster does not start: {last_error}");
    }

    /// The port the server listens on (on 127.0.0.1), the same across restarts.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A URL for `database` as the superuser `postgres` (trust authentication).
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    pub fn is_running(&self) -> bool {
        self.running
    }

    /// Starts the stopped server again on the same port and data directory; returns once
    /// it accepts connections.
    ///
    /// # Panics
    /// If it does not start (e.g. someone else took the port meanwhile), with its log.
    pub fn start(&mut self) {
        if self.running {
            return;
        }
        if let Err(e) = self.try_start() {
            panic!("the temporary PostgreSQL cluster does not start again: {e}");
        }
    }

    /// Stops the server the way an administrator restarting it would (`pg_ctl stop -m
    /// fast`: open sessions are ended, then a clean shutdown); returns once it is down and
    /// the port refuses connections.
    pub fn stop(&mut self) {
        self.stop_with("fast");
    }

    /// Stops the server as a crash would (`-m immediate`: no shutdown checkpoint; the next
    /// start recovers from the WAL).
    pub fn stop_immediately(&mut self) {
        self.stop_with("immediate");
    }

    /// [`TempCluster::stop`] then [`TempCluster::start`].
    pub fn restart(&mut self) {
        self.stop();
        self.start();
    }

    /// The server's log so far (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_file()).unwrap_or_default()
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn log_file(&self) -> PathBuf {
        self.dir.path().join("postgres.log")
    }

    fn try_start(&mut self) -> Result<(), String> {
        let data = self.data_dir();
        let log = self.log_file();
        // Loopback TCP only, the Unix socket in our own directory (not /var/run), and no
        // durability work: the cluster lives for one test.
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {} -c fsync=off -c full_page_writes=off \
             -c synchronous_commit=off",
            self.port,
            self.dir.path().display()
        );
        let out = self.run(
            "pg_ctl",
            &[
                "start".as_ref(),
                "-w".as_ref(),
                "-t".as_ref(),
                "60".as_ref(),
                "-D".as_ref(),
                data.as_os_str(),
                "-l".as_ref(),
                log.as_os_str(),
                "-o".as_ref(),
                options.as_ref(),
            ],
        );
        if out.status.success() {
            self.running = true;
            Ok(())
        } else {
            Err(format!(
                "pg_ctl start on port {}: {}{}\nlog:\n{}",
                self.port,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr),
                self.log()
            ))
        }
    }

    fn stop_with(&mut self, mode: &str) {
        if !self.running {
            return;
        }
        let data = self.data_dir();
        let out = self.run(
            "pg_ctl",
            &[
                "stop".as_ref(),
                "-w".as_ref(),
                "-t".as_ref(),
                "60".as_ref(),
                "-m".as_ref(),
                mode.as_ref(),
                "-D".as_ref(),
                data.as_os_str(),
            ],
        );
        assert!(
            out.status.success(),
            "pg_ctl stop -m {mode}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        self.running = false;
    }

    /// Runs one of PostgreSQL's programs, as the `postgres` user when we are root, from
    /// the cluster's directory (which that user can read).
    fn run(&self, program: &str, args: &[&std::ffi::OsStr]) -> Output {
        let path = self.bindir.join(program);
        let mut command = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(&path);
                c
            }
            None => Command::new(&path),
        };
        command
            .args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("run {}: {e}", path.display()))
    }
}

impl Drop for TempCluster {
    fn drop(&mut self) {
        if self.running {
            let data = self.data_dir();
            let stopped = self.run(
                "pg_ctl",
                &[
                    "stop".as_ref(),
                    "-w".as_ref(),
                    "-m".as_ref(),
                    "immediate".as_ref(),
                    "-D".as_ref(),
                    data.as_os_str(),
                ],
            );
            if !stopped.status.success() {
                eprintln!(
                    "could not stop the temporary PostgreSQL cluster in {}: {}",
                    self.dir.path().display(),
                    String::from_utf8_lossy(&stopped.stderr)
                );
            }
        }
    }
}

fn has_tools(dir: &Path) -> bool {
    ["initdb", "pg_ctl", "postgres"]
        .iter()
        .all(|p| dir.join(p).is_file())
}

fn find_bindir() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("VOUCH_TEST_PG_BINDIR") {
        let dir = PathBuf::from(dir);
        return if has_tools(&dir) {
            Ok(dir)
        } else {
            Err(format!(
                "VOUCH_TEST_PG_BINDIR={} has no initdb, pg_ctl and postgres",
                dir.display()
            ))
        };
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
        && out.status.success()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if has_tools(&dir) {
            return Ok(dir);
        }
    }
    // Debian's layout: /usr/lib/postgresql/<major>/bin; the newest major wins.
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let major = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            has_tools(&bin).then_some((major, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, dir)| dir).ok_or_else(|| {
        "PostgreSQL's server binaries (initdb, pg_ctl, postgres) were not found via \
         VOUCH_TEST_PG_BINDIR, pg_config --bindir or /usr/lib/postgresql/*/bin"
            .to_owned()
    })
}

fn running_as_root() -> Result<bool, String> {
    let out = Command::new("id")
        .arg("-u")
        .output()
        .map_err(|e| format!("cannot run `id -u`: {e}"))?;
    Ok(String::from_utf8_lossy(&out.stdout).trim() == "0")
}

fn free_port() -> u16 {
    TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}
