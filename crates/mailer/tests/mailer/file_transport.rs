//! The embedded default: messages written to `mail.dir` as `.eml` files.

use mailer::Email;
use uuid::Uuid;

use crate::helpers::{file_mailer, header, invitation, parse};

#[tokio::test]
async fn the_file_transport_writes_each_message_as_an_eml_file_named_by_its_id() {
    let dir = tempfile::tempdir().expect("temp dir");
    let outbox = dir.path().join("outbox/nested");
    let mailer = file_mailer(&outbox);
    let id = Uuid::now_v7();

    let sent = mailer
        .send_with_id(&Email::from(invitation()), id)
        .await
        .expect("written");

    let files: Vec<String> = std::fs::read_dir(&outbox)
        .expect("the directory was created")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .into_string()
                .expect("utf-8")
        })
        .collect();
    assert_eq!(
        files,
        [format!("{id}.eml")],
        "one file, no partial leftovers"
    );
    let raw = std::fs::read(outbox.join(format!("{id}.eml"))).expect("read");
    assert_eq!(header(&raw, "Message-ID"), sent.message_id);
    assert_eq!(
        header(&raw, "To"),
        "\"Sam Referee\" <sam@client.example.org>"
    );
    let parsed = parse(&raw);
    assert_eq!(parsed.subject, "Reference request: Acme Books");
    assert!(
        parsed
            .text
            .contains("https://vouch.example.com/r/tok_3xAmple-Token\r\n")
    );
}

#[tokio::test]
async fn sending_again_with_the_same_id_replaces_the_file_instead_of_adding_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mailer = file_mailer(dir.path());
    let id = Uuid::now_v7();

    mailer
        .send_with_id(&Email::from(invitation()), id)
        .await
        .expect("written");
    mailer
        .send_with_id(&Email::from(invitation()), id)
        .await
        .expect("written again");
    mailer
        .send(&Email::from(invitation()))
        .await
        .expect("another message");

    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 2);
}
