//! SMTP delivery over lettre's async connection, with a small pool of our own.
//!
//! Why not lettre's `AsyncSmtpTransport` and its pool: (1) it reports a 5xx without saying
//! at which command it came, and only a refusal of the recipient or the message may bounce a
//! referee (a 535 on `AUTH` must not); (2) on tokio it applies its timeout to the TCP connect
//! only, so a server that accepts and then stays silent would hang a worker forever; (3) its
//! `max_size` bounds idle connections, not open ones. Here every step runs under
//! `mail.smtp.timeout_seconds`, failures carry their [`Stage`], and a semaphore caps open
//! connections at `mail.smtp.pool_size`.
//!
//! This module never retries a message that may have reached the server: the only retry is
//! on a pooled connection that fails at `MAIL FROM`, before anything was transferred.

use std::future::Future;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use lettre::address::Envelope;
use lettre::transport::smtp::Error as SmtpError;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Quit, Rcpt, Rset};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use secrecy::ExposeSecret;
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

use crate::error::{MailError, Stage};
use crate::settings::{SmtpSettings, Tls};

/// Idle connections older than this are closed instead of reused: servers drop idle
/// clients after a few minutes (RFC 5321 suggests at least 5), and a fresh connection is
/// cheaper than a failed attempt.
const IDLE_LIMIT: Duration = Duration::from_secs(60);

/// PLAIN first: it is one round trip, and every server that offers LOGIN offers PLAIN too.
const AUTH_MECHANISMS: &[Mechanism] = &[Mechanism::Plain, Mechanism::Login];

/// Where and how to connect, checked from the settings once.
pub(crate) struct Endpoint {
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) tls: Tls,
    tls_parameters: Option<TlsParameters>,
    credentials: Option<Credentials>,
    pub(crate) username: Option<String>,
    pub(crate) timeout: Duration,
    hello: ClientId,
}

impl std::fmt::Debug for Endpoint {
    // Hand-written so the credentials can never be printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Endpoint {
    pub(crate) fn from_settings(settings: &SmtpSettings) -> Result<Endpoint, MailError> {
        let host = settings.host.trim().to_owned();
        if host.is_empty() {
            return Err(MailError::Config(
                "mail.smtp.host is empty; set it to your SMTP server's name".to_owned(),
            ));
        }
        if settings.timeout_seconds == 0 {
            return Err(MailError::Config(
                "mail.smtp.timeout_seconds must be at least 1".to_owned(),
            ));
        }
        let tls_parameters = match settings.tls {
            Tls::None => None,
            Tls::Starttls | Tls::Tls => Some(TlsParameters::new(host.clone()).map_err(|e| {
                MailError::Config(format!(
                    "mail.smtp.host = {host:?}: cannot prepare TLS for this name: {e}"
                ))
            })?),
        };
        let credentials = match (&settings.username, &settings.password) {
            (Some(user), Some(password)) => Some(Credentials::new(
                user.clone(),
                password.expose_secret().to_owned(),
            )),
            (None, None) => None,
            (Some(_), None) => {
                return Err(MailError::Config(
                    "mail.smtp.username is set but mail.smtp.password is not".to_owned(),
                ));
            }
            (None, Some(_)) => {
                return Err(MailError::Config(
                    "mail.smtp.password is set but mail.smtp.username is not".to_owned(),
                ));
            }
        };
        if credentials.is_some() && settings.tls == Tls::None && !settings.allow_plaintext_auth {
            return Err(MailError::Config(
                "mail.smtp.username and mail.smtp.password would cross the network unencrypted with mail.smtp.tls = \"none\"; use starttls or tls, or set mail.smtp.allow_plaintext_auth = true for a relay on a trusted network".to_owned(),
            ));
        }
        Ok(Endpoint {
            port: settings.effective_port(),
            tls: settings.tls,
            host,
            tls_parameters,
            credentials,
            username: settings.username.clone(),
            timeout: Duration::from_secs(settings.timeout_seconds),
            hello: ClientId::default(),
        })
    }

    /// Opens an authenticated connection ready for `MAIL FROM`, reporting each step that
    /// succeeded to `passed` (used by `check_smtp` to tell the operator how far it got).
    pub(crate) async fn open(
        &self,
        mut passed: impl FnMut(Stage, String),
    ) -> Result<AsyncSmtpConnection, Failure> {
        let mut conn = match self.tls {
            Tls::Tls => {
                // lettre does TCP, the TLS handshake and the greeting in one call; its error
                // kind tells which part failed.
                let connect = AsyncSmtpConnection::connect_tokio1(
                    (self.host.as_str(), self.port),
                    Some(self.timeout),
                    &self.hello,
                    self.tls_parameters.clone(),
                    None,
                );
                let conn =
                    self.step(Stage::Connect, false, connect)
                        .await
                        .map_err(|mut failure| {
                            if failure.answered {
                                failure.stage = Stage::Greeting;
                            }
                            failure
                        })?;
                passed(
                    Stage::Connect,
                    format!("connected to {}:{}", self.host, self.port),
                );
                passed(
                    Stage::Tls,
                    format!("TLS session, certificate valid for {}", self.host),
                );
                conn
            }
            Tls::None | Tls::Starttls => {
                let tcp = match tokio::time::timeout(
                    self.timeout,
                    TcpStream::connect((self.host.as_str(), self.port)),
                )
                .await
                {
                    Ok(Ok(tcp)) => tcp,
                    Ok(Err(e)) => return Err(Failure::network(Stage::Connect, self.where_(e))),
                    Err(_) => return Err(Failure::timeout(Stage::Connect, self.timeout)),
                };
                // Commands are small writes answered one by one; without this, Nagle's
                // algorithm meets the server's delayed ACK and stalls each exchange.
                tcp.set_nodelay(true)
                    .map_err(|e| Failure::network(Stage::Connect, self.where_(e)))?;
                let peer = tcp
                    .peer_addr()
                    .map_or_else(|_| self.host.clone(), |a| a.to_string());
                passed(Stage::Connect, format!("connected to {peer}"));
                let greet = AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &self.hello);
                self.step(Stage::Greeting, false, greet).await?
            }
        };
        passed(Stage::Greeting, describe_server(&conn));

        if self.tls == Tls::Starttls {
            if !conn.server_info().supports_feature(Extension::StartTls) {
                return Err(Failure {
                    stage: Stage::Tls,
                    code: None,
                    detail: "the server does not offer STARTTLS".to_owned(),
                    answered: false,
                    permanent: false,
                });
            }
            let parameters = self.tls_parameters.clone().ok_or_else(|| Failure {
                stage: Stage::Tls,
                code: None,
                detail: "no TLS parameters".to_owned(),
                answered: false,
                permanent: false,
            })?;
            self.step(Stage::Tls, false, conn.starttls(parameters, &self.hello))
                .await?;
            passed(
                Stage::Tls,
                format!("STARTTLS negotiated, certificate valid for {}", self.host),
            );
        }

        if let Some(credentials) = &self.credentials {
            self.step(Stage::Auth, false, conn.auth(AUTH_MECHANISMS, credentials))
                .await?;
            passed(
                Stage::Auth,
                format!(
                    "authenticated as {}",
                    self.username.as_deref().unwrap_or_default()
                ),
            );
        }
        Ok(conn)
    }

    /// Runs one SMTP step under the timeout. `permanent_on_5xx` says whether a 5xx here is
    /// about the recipient or the message (a bounce) rather than about us.
    pub(crate) async fn step<T>(
        &self,
        stage: Stage,
        permanent_on_5xx: bool,
        step: impl Future<Output = Result<T, SmtpError>>,
    ) -> Result<T, Failure> {
        match tokio::time::timeout(self.timeout, step).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(Failure::from_smtp(stage, &e, permanent_on_5xx)),
            Err(_) => Err(Failure::timeout(stage, self.timeout)),
        }
    }

    fn where_(&self, e: std::io::Error) -> String {
        format!("{}:{}: {e}", self.host, self.port)
    }
}

/// One line about the server for the doctor: its name and what it offers that matters to us.
fn describe_server(conn: &AsyncSmtpConnection) -> String {
    let info = conn.server_info();
    let offers: Vec<&str> = [
        (Extension::StartTls, "STARTTLS"),
        (Extension::Authentication(Mechanism::Plain), "AUTH PLAIN"),
        (Extension::Authentication(Mechanism::Login), "AUTH LOGIN"),
        (Extension::EightBitMime, "8BITMIME"),
        (Extension::SmtpUtfEight, "SMTPUTF8"),
    ]
    .into_iter()
    .filter(|(extension, _)| info.supports_feature(*extension))
    .map(|(_, name)| name)
    .collect();
    let offers = if offers.is_empty() {
        "nothing we use".to_owned()
    } else {
        offers.join(", ")
    };
    format!("server {} offers {offers}", info.name())
}

/// A failed step, before it becomes a [`MailError`] for a given recipient.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) stage: Stage,
    pub(crate) code: Option<u16>,
    pub(crate) detail: String,
    /// The server answered with a reply code, so the connection is still in step.
    answered: bool,
    permanent: bool,
}

impl Failure {
    fn from_smtp(stage: Stage, e: &SmtpError, permanent_on_5xx: bool) -> Failure {
        let code = e.status().map(u16::from);
        // lettre's Display prefixes "permanent error (550): " or nests "Connection error: "
        // twice; people want the server's reply, or the root cause, as written.
        let mut root: &dyn std::error::Error = e;
        let mut tls = e.is_tls();
        while let Some(cause) = root.source() {
            // rustls reports handshake and certificate failures as InvalidData I/O errors,
            // which lettre files under "connection" for implicit TLS.
            if let Some(io) = cause.downcast_ref::<std::io::Error>() {
                tls |= io.kind() == std::io::ErrorKind::InvalidData;
            }
            root = cause;
        }
        let detail = match code {
            Some(code) => format!("{code} {root}"),
            None => root.to_string(),
        };
        Failure {
            stage: if tls { Stage::Tls } else { stage },
            code,
            detail,
            answered: code.is_some(),
            permanent: permanent_on_5xx && e.is_permanent(),
        }
    }

    fn network(stage: Stage, detail: String) -> Failure {
        Failure {
            stage,
            code: None,
            detail,
            answered: false,
            permanent: false,
        }
    }

    fn timeout(stage: Stage, limit: Duration) -> Failure {
        Failure::network(
            stage,
            format!(
                "no answer within {}s (mail.smtp.timeout_seconds)",
                limit.as_secs()
            ),
        )
    }

    pub(crate) fn into_error(self, recipient: &str) -> MailError {
        if self.permanent {
            MailError::Permanent {
                recipient: recipient.to_owned(),
                stage: self.stage,
                code: self.code,
                reply: self.detail,
            }
        } else {
            MailError::Transient {
                stage: self.stage,
                code: self.code,
                detail: self.detail,
            }
        }
    }
}

/// The SMTP transport: an endpoint plus a pool of at most `pool_size` open connections.
#[derive(Debug)]
pub(crate) struct SmtpTransport {
    endpoint: Endpoint,
    /// One permit per connection that may be open; also what makes senders queue.
    permits: Semaphore,
    idle: Mutex<Vec<IdleConnection>>,
}

struct IdleConnection {
    conn: AsyncSmtpConnection,
    since: Instant,
}

impl std::fmt::Debug for IdleConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdleConnection")
            .field("since", &self.since)
            .finish_non_exhaustive()
    }
}

impl SmtpTransport {
    pub(crate) fn new(settings: &SmtpSettings) -> Result<SmtpTransport, MailError> {
        let pool_size = settings
            .pool_size
            .unwrap_or(SmtpSettings::DEFAULT_POOL_SIZE);
        if pool_size == 0 {
            return Err(MailError::Config(
                "mail.smtp.pool_size must be at least 1".to_owned(),
            ));
        }
        Ok(SmtpTransport {
            endpoint: Endpoint::from_settings(settings)?,
            permits: Semaphore::new(pool_size as usize),
            idle: Mutex::new(Vec::new()),
        })
    }

    pub(crate) async fn send(&self, envelope: &Envelope, message: &[u8]) -> Result<(), MailError> {
        let recipient = envelope
            .to()
            .first()
            .map(ToString::to_string)
            .unwrap_or_default();
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| MailError::Transient {
                stage: Stage::Connect,
                code: None,
                detail: "the mailer is shutting down".to_owned(),
            })?;

        if let Some(mut conn) = self.take_idle() {
            match self.transact(&mut conn, envelope, message).await {
                Ok(()) => {
                    self.park(conn);
                    return Ok(());
                }
                // A pooled connection that the server closed in the meantime fails here,
                // before anything was transferred: not a delivery failure, so go on with a
                // fresh connection.
                Err(failure)
                    if failure.stage == Stage::MailFrom
                        && (!failure.answered || failure.code == Some(421)) =>
                {
                    tracing::debug!(detail = %failure.detail, "pooled SMTP connection went stale");
                }
                Err(failure) => {
                    self.recover(conn, &failure).await;
                    return Err(failure.into_error(&recipient));
                }
            }
        }

        let mut conn = self
            .endpoint
            .open(|_, _| {})
            .await
            .map_err(|failure| failure.into_error(&recipient))?;
        match self.transact(&mut conn, envelope, message).await {
            Ok(()) => {
                self.park(conn);
                Ok(())
            }
            Err(failure) => {
                self.recover(conn, &failure).await;
                Err(failure.into_error(&recipient))
            }
        }
    }

    /// One mail transaction on an open connection.
    async fn transact(
        &self,
        conn: &mut AsyncSmtpConnection,
        envelope: &Envelope,
        message: &[u8],
    ) -> Result<(), Failure> {
        let info = conn.server_info();
        let mut parameters = Vec::new();
        // Composed messages are 7-bit; this only guards a future template change.
        if !message.is_ascii() && info.supports_feature(Extension::EightBitMime) {
            parameters.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        let international = envelope
            .to()
            .iter()
            .chain(envelope.from())
            .any(|address| !AsRef::<str>::as_ref(address).is_ascii());
        if international {
            if !info.supports_feature(Extension::SmtpUtfEight) {
                return Err(Failure {
                    stage: Stage::RcptTo,
                    code: None,
                    detail: "the address is not ASCII and the server does not offer SMTPUTF8"
                        .to_owned(),
                    answered: true,
                    permanent: true,
                });
            }
            parameters.push(MailParameter::SmtpUtfEight);
        }

        let endpoint = &self.endpoint;
        let mail = Mail::new(envelope.from().cloned(), parameters);
        endpoint
            .step(Stage::MailFrom, false, conn.command(mail))
            .await?;
        for to in envelope.to() {
            let rcpt = Rcpt::new(to.clone(), Vec::new());
            endpoint
                .step(Stage::RcptTo, true, conn.command(rcpt))
                .await?;
        }
        endpoint
            .step(Stage::Data, false, conn.command(Data))
            .await?;
        endpoint
            .step(Stage::Data, true, conn.message(message))
            .await?;
        Ok(())
    }

    /// After a failed transaction: if the server answered, `RSET` keeps the connection for
    /// the next message (a bounce should not cost a reconnect); otherwise it is dropped,
    /// which closes the socket without waiting on a server that may be gone.
    async fn recover(&self, mut conn: AsyncSmtpConnection, failure: &Failure) {
        if failure.answered
            && self
                .endpoint
                .step(failure.stage, false, conn.command(Rset))
                .await
                .is_ok()
        {
            self.park(conn);
        }
    }

    fn idle(&self) -> MutexGuard<'_, Vec<IdleConnection>> {
        self.idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn take_idle(&self) -> Option<AsyncSmtpConnection> {
        let mut idle = self.idle();
        // Most recently used first: the likeliest to still be open.
        while let Some(parked) = idle.pop() {
            if parked.since.elapsed() < IDLE_LIMIT {
                return Some(parked.conn);
            }
        }
        None
    }

    fn park(&self, conn: AsyncSmtpConnection) {
        self.idle().push(IdleConnection {
            conn,
            since: Instant::now(),
        });
    }

    /// Refuses new sends and says goodbye on idle connections.
    pub(crate) async fn shutdown(&self) {
        self.permits.close();
        let parked: Vec<IdleConnection> = std::mem::take(&mut *self.idle());
        for mut parked in parked {
            let _ = self
                .endpoint
                .step(Stage::Data, false, parked.conn.command(Quit))
                .await;
        }
    }
}
