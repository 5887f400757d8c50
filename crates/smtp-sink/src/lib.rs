//! A tiny SMTP server on loopback that captures every message it receives, for tests.
//!
//! It speaks real SMTP over TCP (greeting, `EHLO`/`HELO`, optional `AUTH PLAIN`, `MAIL`,
//! `RCPT`, `DATA` with dot-unstuffing, `RSET`, `NOOP`, `QUIT`), so a test exercises the
//! same client code as production: connection pooling, reply-code handling, timeouts.
//!
//! ```no_run
//! # async fn demo() {
//! let sink = smtp_sink::SmtpSink::start().await;
//! // point the code under test at 127.0.0.1:{sink.port()}, tls = none
//! sink.reject("gone@example.org", 550, "5.1.1 No such user");
//! let messages = sink.wait_for(1).await; // wakes on delivery, never polls
//! assert_eq!(messages[0].recipients, ["someone@example.org"]);
//! sink.stop().await; // the port now refuses connections
//! sink.restart().await; // and now accepts them again, on the same port
//! # }
//! ```
//!
//! For outage tests it can also misbehave on purpose: [`SmtpSink::stall`] makes it accept
//! connections and then go silent (after the greeting, or after a message's data), and
//! [`SmtpSink::hold_after`] holds messages unanswered until [`SmtpSink::release`], so a test
//! can act while a client is known to be in the middle of a delivery.
//!
//! It must never be used outside tests: it accepts anything, stores everything in memory and
//! has no TLS. It depends on tokio only, so any crate's tests can use it cheaply.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::{JoinHandle, JoinSet};

/// How long [`SmtpSink::wait_for`] waits before panicking. Not a timing assertion: a guard so
/// that a test whose message never arrives fails with a message instead of hanging CI.
const DEADLOCK_GUARD: Duration = Duration::from_secs(60);

/// One message accepted by the sink (a `DATA` transaction that got `250`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Captured {
    /// Which TCP connection carried it: 1 for the first connection accepted, then 2, …
    pub connection_id: u64,
    /// The envelope sender from `MAIL FROM:<…>`, without angle brackets (empty for `<>`).
    pub mail_from: String,
    /// The accepted envelope recipients from `RCPT TO:<…>`, in order, without angle brackets.
    pub recipients: Vec<String>,
    /// The message exactly as transmitted after dot-unstuffing, CRLF line endings included,
    /// without the terminating `.` line.
    pub data: Vec<u8>,
}

impl Captured {
    /// The message as text (lossy only if the client sent invalid UTF-8).
    pub fn data_str(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.data)
    }

    /// The raw value of the first header field called `name` (case-insensitive), unfolded,
    /// still in its transfer form (RFC 2047 encoded words are not decoded).
    pub fn header(&self, name: &str) -> Option<String> {
        let text = self.data_str();
        let head = text.split("\r\n\r\n").next().unwrap_or_default();
        let mut found: Option<String> = None;
        for line in head.split("\r\n") {
            if line.starts_with([' ', '\t']) {
                if let Some(value) = found.as_mut() {
                    value.push_str(line);
                }
                continue;
            }
            if found.is_some() {
                break;
            }
            if let Some((field, value)) = line.split_once(':')
                && field.eq_ignore_ascii_case(name)
            {
                found = Some(value.trim_start().to_owned());
            }
        }
        found
    }
}

/// How a stalled sink stops answering (see [`SmtpSink::stall`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stall {
    /// Connections are accepted and greeted with `220`; no command gets an answer after
    /// that (commands on connections already open go unanswered too).
    AfterGreeting,
    /// Commands are answered up to `DATA`'s `354`; the message is read, but its final reply
    /// never comes and it is not captured.
    AfterData,
}

/// A running SMTP sink bound to `127.0.0.1:<ephemeral port>`.
///
/// Dropping it stops the server in the background; call [`SmtpSink::stop`] to stop it and
/// know that the port refuses connections once it returns.
pub struct SmtpSink {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: watch::Sender<bool>,
    server: Mutex<Option<JoinHandle<()>>>,
}

struct Shared {
    state: Mutex<State>,
    /// Woken after every accepted message, so waiters need no polling.
    delivered: Notify,
    /// Bumped to make every open session hang up (see [`SmtpSink::drop_connections`]).
    hang_up: watch::Sender<u64>,
    /// Woken whenever a session ends.
    session_ended: Notify,
    /// Woken when a session starts holding a message, and on [`SmtpSink::release`].
    hold_changed: Notify,
}

#[derive(Default)]
struct State {
    messages: Vec<Captured>,
    /// Lower-cased recipient address → the reply to give at `RCPT TO`.
    rejections: HashMap<String, String>,
    /// The expected `AUTH PLAIN` response (base64 of `\0user\0password`), when auth is required.
    auth_plain: Option<String>,
    connections: u64,
    open_sessions: usize,
    /// Whether (and how) sessions go silent.
    stall: Option<Stall>,
    /// Once this many messages are captured, further ones are held (see `hold_after`).
    hold_from: Option<usize>,
    /// Sessions holding a message unanswered right now.
    held: usize,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        // A panicking test thread must not make every later assertion fail with PoisonError.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl SmtpSink {
    /// Binds `127.0.0.1:0` and starts serving. The listener is bound before this returns,
    /// so clients may connect at once.
    ///
    /// # Panics
    /// If no loopback port can be bound (the test cannot run at all then).
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("smtp-sink: bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("smtp-sink: local address");
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            delivered: Notify::new(),
            hang_up: watch::Sender::new(0),
            session_ended: Notify::new(),
            hold_changed: Notify::new(),
        });
        let (shutdown, stopped) = watch::channel(false);
        let server = tokio::spawn(serve(listener, Arc::clone(&shared), stopped));
        SmtpSink {
            addr,
            shared,
            shutdown,
            server: Mutex::new(Some(server)),
        }
    }

    /// The TCP port the sink listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The full socket address (`127.0.0.1:port`).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every message accepted so far, oldest first.
    pub fn messages(&self) -> Vec<Captured> {
        self.shared.state().messages.clone()
    }

    /// How many TCP connections have been accepted since the start.
    pub fn connections_count(&self) -> u64 {
        self.shared.state().connections
    }

    /// Waits until at least `n` messages have been accepted and returns all of them.
    ///
    /// # Panics
    /// After a generous deadlock guard (60 s) if they never arrive.
    pub async fn wait_for(&self, n: usize) -> Vec<Captured> {
        self.wait_until(&format!("{n} message(s)"), |messages| messages.len() >= n)
            .await
    }

    /// Waits until `done` holds for the messages accepted so far (checked after every
    /// delivery, never by polling) and returns them. `what` names the wait in the panic
    /// message, e.g. "an invitation to every referee".
    ///
    /// # Panics
    /// After a generous deadlock guard (60 s) if `done` never holds.
    pub async fn wait_until(
        &self,
        what: &str,
        done: impl Fn(&[Captured]) -> bool,
    ) -> Vec<Captured> {
        let wait = async {
            loop {
                // Register interest before looking, so a delivery between the look and the
                // await is not missed.
                let notified = self.shared.delivered.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                {
                    let state = self.shared.state();
                    if done(&state.messages) {
                        return state.messages.clone();
                    }
                }
                notified.await;
            }
        };
        match tokio::time::timeout(DEADLOCK_GUARD, wait).await {
            Ok(messages) => messages,
            Err(_) => panic!(
                "smtp-sink: waited {DEADLOCK_GUARD:?} for {what}, got {} message(s)",
                self.shared.state().messages.len()
            ),
        }
    }

    /// How many client connections are open right now.
    pub fn open_sessions(&self) -> usize {
        self.shared.state().open_sessions
    }

    /// Answers `RCPT TO:<recipient>` (case-insensitive) with `code text`, e.g.
    /// `reject("a@b.c", 550, "5.1.1 No such user")` or `reject("a@b.c", 451, "4.3.0 Try later")`.
    pub fn reject(&self, recipient: &str, code: u16, text: &str) {
        self.shared
            .state()
            .rejections
            .insert(recipient.to_ascii_lowercase(), format!("{code} {text}"));
    }

    /// Accepts `recipient` again after [`SmtpSink::reject`].
    pub fn accept(&self, recipient: &str) {
        self.shared
            .state()
            .rejections
            .remove(&recipient.to_ascii_lowercase());
    }

    /// From now on, advertises `AUTH PLAIN` and refuses `MAIL` (530) until a client
    /// authenticates with exactly these credentials; wrong ones get `535`.
    pub fn require_auth(&self, username: &str, password: &str) {
        let plain = format!("\0{username}\0{password}");
        self.shared.state().auth_plain = Some(base64(plain.as_bytes()));
    }

    /// Closes every open connection but keeps listening, as a server does with clients it
    /// considers idle. Returns once they are all closed, so a pooled client's next command
    /// deterministically meets a closed socket.
    pub async fn drop_connections(&self) {
        self.shared
            .hang_up
            .send_modify(|generation| *generation += 1);
        loop {
            let ended = self.shared.session_ended.notified();
            tokio::pin!(ended);
            ended.as_mut().enable();
            if self.shared.state().open_sessions == 0 {
                return;
            }
            ended.await;
        }
    }

    /// Stops listening and closes every open connection. When this returns, connecting to
    /// the port is refused, which is how tests simulate "the mail server is down".
    /// Captured messages stay readable. Calling it twice is harmless.
    pub async fn stop(&self) {
        let _ = self.shutdown.send(true);
        let server = self
            .server
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        if let Some(server) = server {
            let _ = server.await;
        }
    }

    /// Listens again on the same port after [`SmtpSink::stop`] ("the mail server is back"),
    /// keeping the captured messages and every setting. Returns once the port accepts
    /// connections. Restarting a running sink stops it first.
    ///
    /// # Panics
    /// If the port was taken by someone else in the meantime.
    pub async fn restart(&self) {
        self.stop().await;
        let listener = TcpListener::bind(self.addr)
            .await
            .unwrap_or_else(|e| panic!("smtp-sink: bind {} again: {e}", self.addr));
        self.shutdown.send_replace(false);
        let server = tokio::spawn(serve(
            listener,
            Arc::clone(&self.shared),
            self.shutdown.subscribe(),
        ));
        *self
            .server
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(server);
    }

    /// From now on, goes silent as `how` says: connections are still accepted, but the
    /// client waits for an answer that never comes, as with a mail server that hangs. A
    /// silent session reads and discards whatever the client sends until it hangs up.
    pub fn stall(&self, how: Stall) {
        self.shared.state().stall = Some(how);
    }

    /// Answers again after [`SmtpSink::stall`] (on new commands and connections; a session
    /// that already went silent stays silent until its client hangs up).
    pub fn unstall(&self) {
        self.shared.state().stall = None;
    }

    /// Once `n` messages have been captured, holds every further message after its data:
    /// not captured and not answered, the client left waiting for the final reply, until
    /// [`SmtpSink::release`]. `hold_after(0)` holds every message from now on.
    pub fn hold_after(&self, n: usize) {
        self.shared.state().hold_from = Some(n);
    }

    /// Ends [`SmtpSink::hold_after`]: every held message is captured and answered `250` (even
    /// if its client has given up meanwhile, as a real server would have queued it), and
    /// messages are no longer held. Returns how many messages were held.
    pub fn release(&self) -> usize {
        let held = {
            let mut state = self.shared.state();
            state.hold_from = None;
            state.held
        };
        self.shared.hold_changed.notify_waiters();
        held
    }

    /// How many messages are held unanswered right now (see [`SmtpSink::hold_after`]).
    pub fn held(&self) -> usize {
        self.shared.state().held
    }

    /// Waits until at least `n` messages are held, i.e. their clients are waiting for the
    /// final reply.
    ///
    /// # Panics
    /// After the deadlock guard (60 s) if that never happens.
    pub async fn wait_held(&self, n: usize) {
        let wait = async {
            loop {
                let changed = self.shared.hold_changed.notified();
                tokio::pin!(changed);
                changed.as_mut().enable();
                if self.shared.state().held >= n {
                    return;
                }
                changed.await;
            }
        };
        if tokio::time::timeout(DEADLOCK_GUARD, wait).await.is_err() {
            panic!(
                "smtp-sink: waited {DEADLOCK_GUARD:?} for {n} held message(s), got {}",
                self.held()
            );
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

impl fmt::Debug for SmtpSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.state();
        f.debug_struct("SmtpSink")
            .field("addr", &self.addr)
            .field("messages", &state.messages.len())
            .field("connections", &state.connections)
            .finish()
    }
}

async fn serve(listener: TcpListener, shared: Arc<Shared>, mut stopped: watch::Receiver<bool>) {
    let mut sessions = JoinSet::new();
    loop {
        tokio::select! {
            _ = stopped.wait_for(|stop| *stop) => break,
            accepted = listener.accept() => {
                // An accept error (e.g. too many open files) concerns one client; keep serving.
                if let Ok((stream, _)) = accepted {
                    let id = {
                        let mut state = shared.state();
                        state.connections += 1;
                        state.open_sessions += 1;
                        state.connections
                    };
                    let shared = Arc::clone(&shared);
                    let mut hang_up = shared.hang_up.subscribe();
                    sessions.spawn(async move {
                        let _ended = SessionGuard(&shared);
                        tokio::select! {
                            // An I/O error just ends this client's session, as on a real
                            // server.
                            _ = session(stream, id, &shared) => {}
                            _ = hang_up.changed() => {}
                        }
                    });
                }
            }
            Some(_) = sessions.join_next(), if !sessions.is_empty() => {}
        }
    }
    drop(listener);
    // Closing live sessions too makes "server down" mean down for pooled clients as well.
    sessions.shutdown().await;
}

/// Counts a session as closed when its task ends, however it ends (even when aborted by
/// [`SmtpSink::stop`]).
struct SessionGuard<'a>(&'a Shared);

impl Drop for SessionGuard<'_> {
    fn drop(&mut self) {
        self.0.state().open_sessions -= 1;
        self.0.session_ended.notify_waiters();
    }
}

/// The state of the mail transaction in progress on one connection.
#[derive(Default)]
struct Transaction {
    mail_from: Option<String>,
    recipients: Vec<String>,
}

async fn session(stream: TcpStream, connection_id: u64, shared: &Shared) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let (reader, mut writer) = stream.into_split();
    let reader = BufReader::new(reader);
    writer.write_all(b"220 smtp-sink ESMTP ready\r\n").await?;

    let mut session = Session {
        reader,
        writer,
        shared,
        connection_id,
        transaction: Transaction::default(),
        authenticated: false,
    };
    let mut line = Vec::new();
    loop {
        line.clear();
        if session.reader.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        if shared.state().stall == Some(Stall::AfterGreeting) {
            return swallow(&mut session.reader).await;
        }
        let command = String::from_utf8_lossy(&line);
        let command = command.trim_end_matches(['\r', '\n']);
        let Some(reply) = session.reply(command).await? else {
            return Ok(());
        };
        // One write per reply: two small writes would meet Nagle's algorithm and the
        // client's delayed ACK, adding tens of milliseconds to every command.
        session
            .writer
            .write_all(format!("{reply}\r\n").as_bytes())
            .await?;
    }
}

/// One client's connection.
struct Session<'a> {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
    shared: &'a Shared,
    connection_id: u64,
    transaction: Transaction,
    authenticated: bool,
}

impl Session<'_> {
    /// The reply to one command line; `None` when the session is over.
    async fn reply(&mut self, command: &str) -> io::Result<Option<String>> {
        let (verb, argument) = command.split_once(' ').unwrap_or((command, ""));
        let auth_plain = self.shared.state().auth_plain.clone();
        let reply: String = match verb.to_ascii_uppercase().as_str() {
            "EHLO" => {
                let auth = if auth_plain.is_some() {
                    "250-AUTH PLAIN\r\n"
                } else {
                    ""
                };
                format!(
                    "250-smtp-sink\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n\
                     250-ENHANCEDSTATUSCODES\r\n{auth}250 SIZE 52428800"
                )
            }
            "HELO" => "250 smtp-sink".into(),
            "AUTH" => match auth_plain {
                None => "503 5.5.1 AUTH not advertised".into(),
                Some(expected) => self.auth(argument, &expected).await?,
            },
            "MAIL" => match path_after(argument, "FROM:") {
                _ if auth_plain.is_some() && !self.authenticated => {
                    "530 5.7.0 Authentication required".into()
                }
                Some(from) => {
                    self.transaction = Transaction {
                        mail_from: Some(from),
                        recipients: Vec::new(),
                    };
                    "250 2.1.0 Ok".into()
                }
                None => "501 5.5.4 Syntax: MAIL FROM:<address>".into(),
            },
            "RCPT" => self.rcpt(argument),
            "DATA" => return self.data().await,
            "RSET" => {
                self.transaction = Transaction::default();
                "250 2.0.0 Ok".into()
            }
            "NOOP" => "250 2.0.0 Ok".into(),
            "QUIT" => {
                self.writer.write_all(b"221 2.0.0 Bye\r\n").await?;
                return Ok(None);
            }
            _ => "502 5.5.2 Command not recognised".into(),
        };
        Ok(Some(reply))
    }

    /// AUTH PLAIN, with the credentials on the command line or asked for.
    async fn auth(&mut self, argument: &str, expected: &str) -> io::Result<String> {
        let (mechanism, initial) = argument.split_once(' ').unwrap_or((argument, ""));
        if !mechanism.eq_ignore_ascii_case("PLAIN") {
            return Ok("504 5.5.4 Only PLAIN is supported".into());
        }
        let response = if initial.is_empty() {
            self.writer.write_all(b"334 \r\n").await?;
            let mut answer = Vec::new();
            self.reader.read_until(b'\n', &mut answer).await?;
            String::from_utf8_lossy(&answer).trim().to_owned()
        } else {
            initial.trim().to_owned()
        };
        Ok(if response == expected {
            self.authenticated = true;
            "235 2.7.0 Authentication successful".into()
        } else {
            "535 5.7.8 Authentication credentials invalid".into()
        })
    }

    fn rcpt(&mut self, argument: &str) -> String {
        match path_after(argument, "TO:") {
            _ if self.transaction.mail_from.is_none() => "503 5.5.1 Need MAIL first".into(),
            Some(to) => {
                let rejection = self
                    .shared
                    .state()
                    .rejections
                    .get(&to.to_ascii_lowercase())
                    .cloned();
                match rejection {
                    Some(reply) => reply,
                    None => {
                        self.transaction.recipients.push(to);
                        "250 2.1.5 Ok".into()
                    }
                }
            }
            None => "501 5.5.4 Syntax: RCPT TO:<address>".into(),
        }
    }

    /// Reads the message and queues it; `None` when a stall hangs the session after it.
    async fn data(&mut self) -> io::Result<Option<String>> {
        if self.transaction.recipients.is_empty() {
            return Ok(Some("503 5.5.1 Need RCPT first".into()));
        }
        self.writer
            .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
            .await?;
        let data = read_data(&mut self.reader).await?;
        if self.shared.state().stall == Some(Stall::AfterData) {
            swallow(&mut self.reader).await?;
            return Ok(None);
        }
        hold(self.shared).await;
        let finished = std::mem::take(&mut self.transaction);
        let queued = {
            let mut state = self.shared.state();
            state.messages.push(Captured {
                connection_id: self.connection_id,
                mail_from: finished.mail_from.unwrap_or_default(),
                recipients: finished.recipients,
                data,
            });
            state.messages.len()
        };
        self.shared.delivered.notify_waiters();
        Ok(Some(format!("250 2.0.0 Ok: queued as {queued}")))
    }
}

/// What a hung server does with its client: reads and discards until the client hangs up.
async fn swallow<R>(reader: &mut R) -> io::Result<()>
where
    R: AsyncBufReadExt + Unpin,
{
    let mut sink = Vec::new();
    loop {
        sink.clear();
        if reader.read_until(b'\n', &mut sink).await? == 0 {
            return Ok(());
        }
    }
}

/// Waits while messages are held (see [`SmtpSink::hold_after`]); counts this session as
/// holding one meanwhile, also if the session is ended while waiting.
async fn hold(shared: &Shared) {
    let mut holding: Option<HoldGuard<'_>> = None;
    loop {
        let released = shared.hold_changed.notified();
        tokio::pin!(released);
        released.as_mut().enable();
        let newly_held = {
            let mut state = shared.state();
            let holds = state
                .hold_from
                .is_some_and(|from| state.messages.len() >= from);
            if !holds {
                break;
            }
            if holding.is_none() {
                state.held += 1;
                holding = Some(HoldGuard(shared));
                true
            } else {
                false
            }
        };
        if newly_held {
            // Tells `wait_held`; it also wakes `released`, so look again before waiting.
            shared.hold_changed.notify_waiters();
            continue;
        }
        released.await;
    }
    drop(holding);
}

/// Counts a held message as no longer held, however its wait ends.
struct HoldGuard<'a>(&'a Shared);

impl Drop for HoldGuard<'_> {
    fn drop(&mut self) {
        self.0.state().held -= 1;
    }
}

/// Reads the message after `354` up to the lone `.` line, undoing dot-stuffing (RFC 5321
/// 4.5.2): a line the client sent as `..x` was `.x` in the message.
async fn read_data<R>(reader: &mut R) -> io::Result<Vec<u8>>
where
    R: AsyncBufReadExt + Unpin,
{
    let mut data = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).await? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        if line == b".\r\n" || line == b".\n" {
            return Ok(data);
        }
        let unstuffed = if line.starts_with(b".") {
            &line[1..]
        } else {
            &line[..]
        };
        data.extend_from_slice(unstuffed);
    }
}

/// `FROM:<a@b> BODY=8BITMIME` → `a@b`; `None` when the keyword or brackets are missing.
fn path_after(argument: &str, keyword: &str) -> Option<String> {
    let head = argument.get(..keyword.len())?;
    if !head.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let rest = argument[keyword.len()..].trim_start();
    let inner = rest.strip_prefix('<')?;
    let end = inner.find('>')?;
    Some(inner[..end].to_owned())
}

/// Standard base64 with padding, enough to compare an `AUTH PLAIN` response without a
/// dependency.
fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let bytes = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(bytes[0]) << 16) | (u32::from(bytes[1]) << 8) | u32::from(bytes[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_rfc_4648_test_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
    }

    #[test]
    fn paths_are_read_with_or_without_parameters_and_in_any_case() {
        assert_eq!(
            path_after("FROM:<a@b.c>", "FROM:").as_deref(),
            Some("a@b.c")
        );
        assert_eq!(
            path_after("from: <a@b.c> BODY=8BITMIME", "FROM:").as_deref(),
            Some("a@b.c")
        );
        assert_eq!(path_after("FROM:<>", "FROM:").as_deref(), Some(""));
        assert_eq!(path_after("TO:a@b.c", "TO:"), None);
        assert_eq!(path_after("", "TO:"), None);
    }
}
