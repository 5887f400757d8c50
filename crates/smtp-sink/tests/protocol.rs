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
