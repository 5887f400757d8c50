//! What a recipient's mail server receives, byte for byte where it matters.

use mailer::{Email, Recipient, Reminder, SelfAssessmentRequest};
use smtp_sink::SmtpSink;

use crate::helpers::{
    header, invitation, parse, pulse_invitation, self_assessment_request, smtp_mailer,
};

const INVITATION_TEXT: &str = "\
Hello Sam Referee,

Olivia Owner at Hiring Co is considering working with Acme Books and would value your honest view as one of their clients.

The questionnaire has 14 questions and takes about 7 minutes. You can save your answers and finish later. Please answer by 5 December 2026:

https://vouch.example.com/r/tok_3xAmple-Token

If you would rather not take part, decline here and you will not be contacted about this request again:

https://vouch.example.com/r/tok_3xAmple-Token/decline

Never want to be asked for a reference again? Don't ask me again:

https://vouch.example.com/u/tok_3xAmple-Token

Questions? Reply to this email and it will reach Olivia Owner.

Vouch Reference Checks
";

#[tokio::test]
async fn an_invitation_arrives_with_its_headers_both_parts_and_the_questionnaire_link() {
    let sink = SmtpSink::start().await;
    let mailer = smtp_mailer(&sink, 1);

    let sent = mailer.send(&Email::from(invitation())).await.expect("sent");

    let received = sink.wait_for(1).await;
    let raw = &received[0].data;
    assert_eq!(received[0].mail_from, "vouch@vouch.example.com");
    assert_eq!(received[0].recipients, ["sam@client.example.org"]);
    assert!(raw.is_ascii(), "the message must be 7-bit clean");
    assert_eq!(
        header(raw, "From"),
        "\"Vouch Reference Checks\" <vouch@vouch.example.com>"
    );
    assert_eq!(
        header(raw, "To"),
        "\"Sam Referee\" <sam@client.example.org>"
    );
    assert_eq!(
        header(raw, "Reply-To"),
        "\"Olivia Owner\" <olivia@hiring.example.com>"
    );
    assert_eq!(header(raw, "Subject"), "Reference request: Acme Books");
    assert_eq!(header(raw, "Message-ID"), sent.message_id);
    assert_eq!(
        header(raw, "List-Unsubscribe"),
        "<https://vouch.example.com/u/tok_3xAmple-Token>"
    );
    assert_eq!(
        header(raw, "List-Unsubscribe-Post"),
        "List-Unsubscribe=One-Click"
    );
    assert_eq!(header(raw, "Auto-Submitted"), "auto-generated");
    assert_eq!(header(raw, "MIME-Version"), "1.0");
    assert!(header(raw, "Content-Type").starts_with("multipart/alternative; boundary="));
    assert!(!header(raw, "Date").is_empty());

    let parsed = parse(raw);
    assert_eq!(parsed.text.replace("\r\n", "\n"), INVITATION_TEXT);
    assert!(
        parsed
            .html
            .contains("<a href=\"https://vouch.example.com/r/tok_3xAmple-Token\" style=")
    );
    assert!(parsed.html.contains(
        "<a href=\"https://vouch.example.com/r/tok_3xAmple-Token/decline\">decline here</a>"
    ));
    assert!(parsed.html.contains(
        "<a href=\"https://vouch.example.com/u/tok_3xAmple-Token\">Don't ask me again</a>"
    ));
    assert!(parsed.html.contains("<strong>Acme Books</strong>"));
    assert!(parsed.html.contains("Sent by Vouch Reference Checks."));

    assert_eq!(sent.recipient, "sam@client.example.org");
    assert_eq!(sent.subject, "Reference request: Acme Books");
}

#[tokio::test]
async fn each_message_gets_a_unique_message_id_on_the_sender_domain() {
    let sink = SmtpSink::start().await;
    let mailer = smtp_mailer(&sink, 1);

    let first = mailer.send(&Email::from(invitation())).await.expect("sent");
    let second = mailer.send(&Email::from(invitation())).await.expect("sent");

    assert_ne!(first.message_id, second.message_id);
    for sent in [&first, &second] {
        let id = sent.message_id.as_str();
        assert!(
            id.starts_with('<') && id.ends_with("@vouch.example.com>"),
            "{id}"
        );
        let uuid = &id[1..id.len() - "@vouch.example.com>".len()];
        assert!(uuid::Uuid::parse_str(uuid).is_ok(), "{id}");
    }
    let chosen = uuid::Uuid::now_v7();
    let third = mailer
        .send_with_id(&Email::from(invitation()), chosen)
        .await
        .expect("sent");
    assert_eq!(third.message_id, format!("<{chosen}@vouch.example.com>"));
}

#[tokio::test]
async fn non_ascii_names_and_subjects_are_encoded_and_decode_back_exactly() {
    let sink = SmtpSink::start().await;
    let mailer = smtp_mailer(&sink, 1);
    let email = Email::from(mailer::Invitation {
        to: Recipient::new("Zoë Ångström-Núñez", "zoe@client.example.org"),
        provider_name: "Société Générale Conseil".to_owned(),
        ..invitation()
    });

    mailer.send(&email).await.expect("sent");

    let raw = &sink.wait_for(1).await[0].data;
    assert!(raw.is_ascii(), "non-ASCII must be encoded, never sent raw");
    // RFC 2047 encoded words: base64 of the UTF-8 bytes of the non-ASCII words only.
    assert_eq!(
        header(raw, "To"),
        "=?utf-8?b?Wm/DqyDDhW5nc3Ryw7ZtLU7DusOxZXo=?= <zoe@client.example.org>"
    );
    assert_eq!(
        header(raw, "Subject"),
        "Reference request: =?utf-8?b?U29jacOpdMOpIEfDqW7DqXJhbGU=?= Conseil"
    );
    // Bodies are quoted-printable UTF-8.
    let text = String::from_utf8_lossy(raw);
    assert!(text.contains(
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n"
    ));
    assert!(text.contains("Hello Zo=C3=AB =C3=85ngstr=C3=B6m-N=C3=BA=C3=B1ez,\r\n"));

    let parsed = parse(raw);
    assert_eq!(
        parsed.subject,
        "Reference request: Société Générale Conseil"
    );
    assert_eq!(parsed.to_name.as_deref(), Some("Zoë Ångström-Núñez"));
    assert_eq!(parsed.to_address.as_deref(), Some("zoe@client.example.org"));
    assert!(parsed.text.starts_with("Hello Zoë Ångström-Núñez,\r\n"));
    assert!(parsed.html.contains("<p>Hello Zoë Ångström-Núñez,</p>"));
    assert!(
        parsed
            .html
            .contains("<strong>Société Générale Conseil</strong>")
    );
}

#[tokio::test]
async fn a_provider_named_like_a_script_tag_is_escaped_in_html_and_left_alone_in_text() {
    let sink = SmtpSink::start().await;
    let mailer = smtp_mailer(&sink, 1);
    let email = Email::from(mailer::Invitation {
        provider_name: "<script>alert(1)</script>".to_owned(),
        ..invitation()
    });

    mailer.send(&email).await.expect("sent");

    let parsed = parse(&sink.wait_for(1).await[0].data);
    assert!(!parsed.html.contains("<script>"), "{}", parsed.html);
    assert!(
        parsed.html.contains(
            "working with <strong>&lt;script&gt;alert(1)&lt;&#x2f;script&gt;</strong> and"
        )
    );
    assert!(
        parsed.html.contains(
            "<title>Reference request: &lt;script&gt;alert(1)&lt;&#x2f;script&gt;</title>"
        )
    );
    assert!(
        parsed
            .text
            .contains("working with <script>alert(1)</script> and")
    );
    assert_eq!(
        parsed.subject,
        "Reference request: <script>alert(1)</script>"
    );
}

#[tokio::test]
async fn a_self_assessment_request_reaches_the_provider_with_its_link_and_escaped_names() {
    let sink = SmtpSink::start().await;
    let mailer = smtp_mailer(&sink, 1);
    let email = Email::from(SelfAssessmentRequest {
        provider_name: "<b>Acme</b> & Sons".to_owned(),
        company_name: Some("Hiring <Co>".to_owned()),
        ..self_assessment_request()
    });

    let sent = mailer.send(&email).await.expect("sent");

    let raw = &sink.wait_for(1).await[0].data;
    assert_eq!(
        header(raw, "To"),
        "\"Pat Provider\" <pat@acme-books.example>"
    );
    assert_eq!(
        header(raw, "Reply-To"),
        "\"Olivia Owner\" <olivia@hiring.example.com>"
    );
    assert_eq!(
        sent.subject,
        "A short self-assessment for <b>Acme</b> & Sons"
    );
    let parsed = parse(raw);
    assert_eq!(parsed.subject, sent.subject);
    assert!(!parsed.html.contains("<b>"), "{}", parsed.html);
    assert!(!parsed.html.contains("<Co>"), "{}", parsed.html);
    assert!(
        parsed
            .html
            .contains("working with <strong>&lt;b&gt;Acme&lt;&#x2f;b&gt; &amp; Sons</strong>."),
        "{}",
        parsed.html
    );
    assert!(
        parsed
            .html
            .contains("Olivia Owner at Hiring &lt;Co&gt; is considering"),
        "{}",
        parsed.html
    );
    assert!(
        parsed
            .html
            .contains("<a href=\"https://vouch.example.com/s/tok_3xAmple-Token\" style=")
    );
    let text = parsed.text.replace("\r\n", "\n");
    assert!(text.starts_with("Hello Pat Provider,\n"), "{text}");
    assert!(text.contains("working with <b>Acme</b> & Sons."), "{text}");
    assert!(text.contains("\nhttps://vouch.example.com/s/tok_3xAmple-Token\n"));
    assert!(
        text.contains("shown only to the reviewers at Hiring <Co>."),
        "{text}"
    );
}

#[tokio::test]
async fn the_first_and_second_reminders_are_worded_differently_and_keep_both_links() {
    let sink = SmtpSink::start().await;
    let mailer = smtp_mailer(&sink, 1);
    for sequence in [1, 2] {
        let email = Email::from(Reminder {
            invitation: invitation(),
            sequence,
        });
        mailer.send(&email).await.expect("sent");
    }

    let received = sink.wait_for(2).await;
    let first = parse(&received[0].data);
    let second = parse(&received[1].data);
    assert_eq!(first.subject, "Reminder: reference request for Acme Books");
    assert_eq!(
        second.subject,
        "Last call before 5 December 2026: reference request for Acme Books"
    );
    assert!(
        first
            .text
            .contains("\r\nA short reminder: Olivia Owner at Hiring Co asked")
    );
    assert!(
        second
            .text
            .contains("\r\nThe deadline for your reference on Acme Books is 5 December 2026.")
    );
    assert!(!second.text.contains("A short reminder"));
    for reminder in [&first, &second] {
        assert!(
            reminder
                .text
                .contains("\r\nhttps://vouch.example.com/r/tok_3xAmple-Token\r\n")
        );
        assert!(
            reminder
                .text
                .contains("\r\nhttps://vouch.example.com/r/tok_3xAmple-Token/decline\r\n")
        );
        assert!(
            reminder
                .text
                .contains("\r\nhttps://vouch.example.com/u/tok_3xAmple-Token\r\n")
        );
    }
    for raw in [&received[0].data, &received[1].data] {
        assert_eq!(
            header(raw, "List-Unsubscribe"),
            "<https://vouch.example.com/u/tok_3xAmple-Token>"
        );
    }
}

#[tokio::test]
async fn a_pulse_check_in_reaches_the_staff_member_with_the_referee_links_and_headers() {
    let sink = SmtpSink::start().await;
    let mailer = smtp_mailer(&sink, 1);
    mailer
        .send(&Email::from(pulse_invitation()))
        .await
        .expect("sent");
    mailer
        .send(&Email::from(Reminder {
            invitation: pulse_invitation(),
            sequence: 1,
        }))
        .await
        .expect("sent");

    let received = sink.wait_for(2).await;
    let subjects: Vec<String> = received.iter().map(|m| parse(&m.data).subject).collect();
    assert_eq!(
        subjects,
        [
            "How is it going with Acme Books?",
            "Reminder: how is it going with Acme Books?"
        ]
    );
    for captured in &received {
        let raw = &captured.data;
        assert_eq!(
            header(raw, "To"),
            "\"Kim Colleague\" <kim@hiring.example.com>"
        );
        assert_eq!(
            header(raw, "Reply-To"),
            "\"Olivia Owner\" <olivia@hiring.example.com>"
        );
        assert_eq!(
            header(raw, "List-Unsubscribe"),
            "<https://vouch.example.com/u/tok_3xAmple-Token>"
        );
        assert_eq!(
            header(raw, "List-Unsubscribe-Post"),
            "List-Unsubscribe=One-Click"
        );
        let text = parse(raw).text.replace("\r\n", "\n");
        assert!(text.starts_with("Hello Kim Colleague,\n"), "{text}");
        assert!(
            text.contains("your own experience") && text.contains("since they started"),
            "{text}"
        );
        assert!(!text.contains("one of their clients"), "{text}");
        for link in [
            "https://vouch.example.com/r/tok_3xAmple-Token",
            "https://vouch.example.com/r/tok_3xAmple-Token/decline",
            "https://vouch.example.com/u/tok_3xAmple-Token",
        ] {
            assert!(text.contains(&format!("\n{link}\n")), "{link}: {text}");
        }
    }
}

#[tokio::test]
async fn an_invitation_in_each_language_carries_content_language_and_is_written_in_it() {
    let sink = SmtpSink::start().await;
    let mailer = smtp_mailer(&sink, 1);
    let cases = [
        (
            "en",
            "Reference request: Acme Books",
            "is considering working with",
            "ltr",
        ),
        (
            "de",
            "Bitte um eine Referenz: Acme Books",
            "erwägt eine Zusammenarbeit mit",
            "ltr",
        ),
        (
            "fr",
            "Demande de référence\u{a0}: Acme Books",
            "envisage de travailler avec",
            "ltr",
        ),
        (
            "es",
            "Solicitud de referencia: Acme Books",
            "está valorando trabajar con",
            "ltr",
        ),
        ("ar", "طلب مرجع: Acme Books", "يدرس Olivia Owner", "rtl"),
    ];
    for (locale, _, _, _) in cases {
        let email = Email::from(mailer::Invitation {
            locale: locale.to_owned(),
            ..invitation()
        });
        mailer.send(&email).await.expect("sent");
    }

    let received = sink.wait_for(cases.len()).await;
    for (message, (locale, subject, phrase, dir)) in received.iter().zip(cases) {
        let raw = &message.data;
        assert_eq!(header(raw, "Content-Language"), locale);
        let parsed = parse(raw);
        assert_eq!(parsed.subject, subject, "{locale}");
        assert!(parsed.text.contains(phrase), "{locale}: {}", parsed.text);
        assert!(parsed.html.contains(phrase), "{locale}: {}", parsed.html);
        assert!(
            parsed
                .html
                .contains(&format!("<html lang=\"{locale}\" dir=\"{dir}\">")),
            "{locale}: {}",
            parsed.html
        );
        // The links are the same whatever the language.
        assert!(
            parsed
                .text
                .contains("https://vouch.example.com/r/tok_3xAmple-Token/decline")
        );
        assert!(
            parsed
                .text
                .contains("https://vouch.example.com/u/tok_3xAmple-Token")
        );
    }
}
