//! The sink driven by a hand-written SMTP client, so its protocol is checked independently of
//! lettre (which the mailer's tests use).

use smtp_sink::SmtpSink;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

struct Client {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
}

impl Client {
    async fn connect(sink: &SmtpSink) -> Client {
        let stream = TcpStream::connect(sink.addr()).await.expect("connect");
        let (reader, writer) = stream.into_split();
        let mut client = Client {
            reader: BufReader::new(reader),
            writer,
        };
        assert!(client.reply().await.starts_with("220 "));
        client
    }

    /// Reads one (possibly multi-line) reply and returns its last line.
    async fn reply(&mut self) -> String {
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).await.expect("read reply");
            assert!(
                !line.is_empty(),
                "connection closed while waiting for a reply"
            );
            if line.as_bytes().get(3) != Some(&b'-') {
                return line.trim_end().to_owned();
            }
        }
    }

    async fn send(&mut self, line: &str) -> String {
        self.writer
            .write_all(format!("{line}\r\n").as_bytes())
            .await
            .expect("write command");
        self.reply().await
    }
}

#[tokio::test]
async fn a_message_is_captured_with_its_envelope_and_dot_stuffing_undone() {
    let sink = SmtpSink::start().await;
    let mut client = Client::connect(&sink).await;
    assert!(client.send("EHLO test").await.starts_with("250 "));
    assert_eq!(
        client.send("MAIL FROM:<from@example.com>").await,
        "250 2.1.0 Ok"
    );
    assert_eq!(client.send("RCPT TO:<a@example.org>").await, "250 2.1.5 Ok");
    assert_eq!(client.send("RCPT TO:<b@example.org>").await, "250 2.1.5 Ok");
    assert!(client.send("DATA").await.starts_with("354 "));
    let reply = client
        .send("Subject: hi\r\n\r\nline one\r\n..leading dot\r\n.")
        .await;
    assert_eq!(reply, "250 2.0.0 Ok: queued as 1");

    let messages = sink.wait_for(1).await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].connection_id, 1);
    assert_eq!(messages[0].mail_from, "from@example.com");
    assert_eq!(messages[0].recipients, ["a@example.org", "b@example.org"]);
    assert_eq!(
        messages[0].data,
        b"Subject: hi\r\n\r\nline one\r\n.leading dot\r\n".to_vec()
    );
    assert_eq!(messages[0].header("subject").as_deref(), Some("hi"));
    assert_eq!(client.send("QUIT").await, "221 2.0.0 Bye");
}

#[tokio::test]
async fn a_rejected_recipient_gets_the_chosen_reply_and_others_are_still_accepted() {
    let sink = SmtpSink::start().await;
    sink.reject("Gone@Example.org", 550, "5.1.1 No such user");
    sink.reject("busy@example.org", 451, "4.3.0 Try again later");
    let mut client = Client::connect(&sink).await;
    client.send("EHLO test").await;
    client.send("MAIL FROM:<from@example.com>").await;
    assert_eq!(
        client.send("RCPT TO:<gone@example.org>").await,
        "550 5.1.1 No such user"
    );
    assert_eq!(
        client.send("RCPT TO:<busy@example.org>").await,
        "451 4.3.0 Try again later"
    );
    sink.accept("busy@example.org");
    assert_eq!(
        client.send("RCPT TO:<busy@example.org>").await,
        "250 2.1.5 Ok"
    );
}

#[tokio::test]
async fn mail_is_refused_until_the_client_authenticates_when_auth_is_required() {
    let sink = SmtpSink::start().await;
    sink.require_auth("user", "pa55");
    let mut client = Client::connect(&sink).await;
    client.send("EHLO test").await;
    assert_eq!(
        client.send("MAIL FROM:<from@example.com>").await,
        "530 5.7.0 Authentication required"
    );
    // base64("\0user\0wrong") and base64("\0user\0pa55")
    assert_eq!(
        client.send("AUTH PLAIN AHVzZXIAd3Jvbmc=").await,
        "535 5.7.8 Authentication credentials invalid"
    );
    assert_eq!(
        client.send("AUTH PLAIN AHVzZXIAcGE1NQ==").await,
        "235 2.7.0 Authentication successful"
    );
    assert_eq!(
        client.send("MAIL FROM:<from@example.com>").await,
        "250 2.1.0 Ok"
    );
}

#[tokio::test]
async fn each_connection_gets_its_own_id_and_is_counted() {
    let sink = SmtpSink::start().await;
    for expected in 1..=3 {
        let mut client = Client::connect(&sink).await;
        client.send("HELO test").await;
        client.send("MAIL FROM:<>").await;
        client.send("RCPT TO:<a@example.org>").await;
        client.send("DATA").await;
        client.send("Subject: x\r\n\r\nbody\r\n.").await;
        client.send("QUIT").await;
        assert_eq!(sink.connections_count(), expected);
    }
    let ids: Vec<u64> = sink
        .wait_for(3)
        .await
        .iter()
        .map(|m| m.connection_id)
        .collect();
    assert_eq!(ids, [1, 2, 3]);
}

#[tokio::test]
async fn a_stopped_sink_refuses_connections_and_closes_open_ones() {
    let sink = SmtpSink::start().await;
    let mut open = Client::connect(&sink).await;
    sink.stop().await;

    let refused = TcpStream::connect(sink.addr()).await;
    assert_eq!(
        refused.expect_err("connect after stop").kind(),
        std::io::ErrorKind::ConnectionRefused
    );
    let mut rest = String::new();
    let read = open.reader.read_line(&mut rest).await;
    assert!(
        matches!(read, Ok(0) | Err(_)),
        "open connection still alive: {rest:?}"
    );
    sink.stop().await;
}

#[tokio::test]
async fn dropping_connections_closes_open_ones_but_keeps_listening() {
    let sink = SmtpSink::start().await;
    let mut open = Client::connect(&sink).await;
    sink.drop_connections().await;

    let mut rest = String::new();
    let read = open.reader.read_line(&mut rest).await;
    assert!(
        matches!(read, Ok(0) | Err(_)),
        "connection still alive: {rest:?}"
    );
    let mut again = Client::connect(&sink).await;
    assert_eq!(again.send("NOOP").await, "250 2.0.0 Ok");
    assert_eq!(sink.connections_count(), 2);
}

#[tokio::test]
async fn a_restarted_sink_listens_on_the_same_port_and_keeps_its_messages() {
    let sink = SmtpSink::start().await;
    let mut client = Client::connect(&sink).await;
    client.send("HELO test").await;
    client.send("MAIL FROM:<>").await;
    client.send("RCPT TO:<a@example.org>").await;
    client.send("DATA").await;
    client.send("Subject: x\r\n\r\nbody\r\n.").await;
    sink.stop().await;
    assert!(TcpStream::connect(sink.addr()).await.is_err());

    sink.restart().await;
    let mut again = Client::connect(&sink).await;
    assert_eq!(again.send("NOOP").await, "250 2.0.0 Ok");
    assert_eq!(sink.messages().len(), 1, "messages survive a restart");
    sink.stop().await;
    assert!(
        TcpStream::connect(sink.addr()).await.is_err(),
        "stops again"
    );
}

/// Sends one message up to and including its data, without waiting for the final reply.
async fn start_transaction(client: &mut Client) {
    client.send("HELO test").await;
    client.send("MAIL FROM:<>").await;
    client.send("RCPT TO:<a@example.org>").await;
    assert!(client.send("DATA").await.starts_with("354"));
    client
        .writer
        .write_all(b"Subject: x\r\n\r\nbody\r\n.\r\n")
        .await
        .unwrap();
}

/// Whether a reply arrives within `limit` (a guard for a test about silence; the result
/// is only `None` for a server that never answers).
async fn reply_within(client: &mut Client, limit: std::time::Duration) -> Option<String> {
    let mut line = String::new();
    tokio::time::timeout(limit, client.reader.read_line(&mut line))
        .await
        .ok()
        .map(|_| line)
}

#[tokio::test]
async fn a_sink_stalled_after_the_greeting_greets_and_then_never_answers() {
    let sink = SmtpSink::start().await;
    sink.stall(smtp_sink::Stall::AfterGreeting);
    let mut client = Client::connect(&sink).await;
    client.writer.write_all(b"EHLO test\r\n").await.unwrap();
    let answer = reply_within(&mut client, std::time::Duration::from_millis(300)).await;
    assert_eq!(answer, None, "no answer to EHLO");

    sink.unstall();
    let mut fresh = Client::connect(&sink).await;
    assert_eq!(fresh.send("NOOP").await, "250 2.0.0 Ok");
}

#[tokio::test]
async fn a_sink_stalled_after_data_never_answers_and_captures_nothing() {
    let sink = SmtpSink::start().await;
    sink.stall(smtp_sink::Stall::AfterData);
    let mut client = Client::connect(&sink).await;
    start_transaction(&mut client).await;
    let answer = reply_within(&mut client, std::time::Duration::from_millis(300)).await;
    assert_eq!(answer, None, "no answer after the data");
    assert!(sink.messages().is_empty());
    drop(client);

    sink.unstall();
    let mut fresh = Client::connect(&sink).await;
    start_transaction(&mut fresh).await;
    assert!(fresh.reply().await.starts_with("250 "));
    assert_eq!(sink.wait_for(1).await.len(), 1);
}

#[tokio::test]
async fn held_messages_are_answered_and_captured_on_release() {
    let sink = SmtpSink::start().await;
    sink.hold_after(1);
    let mut first = Client::connect(&sink).await;
    start_transaction(&mut first).await;
    assert!(
        first.reply().await.starts_with("250 "),
        "the first is not held"
    );

    let mut second = Client::connect(&sink).await;
    start_transaction(&mut second).await;
    sink.wait_held(1).await;
    assert_eq!(sink.held(), 1);
    assert_eq!(
        sink.messages().len(),
        1,
        "a held message is not captured yet"
    );

    assert_eq!(sink.release(), 1);
    assert!(second.reply().await.starts_with("250 "));
    assert_eq!(sink.wait_for(2).await.len(), 2);
    assert_eq!(sink.held(), 0);
}

#[tokio::test]
async fn wait_until_wakes_when_its_condition_holds() {
    let sink = SmtpSink::start().await;
    let waiting = sink.wait_until("a message to b", |messages| {
        messages
            .iter()
            .any(|m| m.recipients.iter().any(|r| r == "b@example.org"))
    });
    let send = async {
        let mut client = Client::connect(&sink).await;
        client.send("HELO test").await;
        client.send("MAIL FROM:<>").await;
        client.send("RCPT TO:<b@example.org>").await;
        client.send("DATA").await;
        client.send("Subject: x\r\n\r\nbody\r\n.").await;
        assert_eq!(sink.open_sessions(), 1);
    };
    let (messages, ()) = tokio::join!(waiting, send);
    assert_eq!(messages.len(), 1);
}
