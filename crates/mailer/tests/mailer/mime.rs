//! Every kind of email, taken apart by an independent MIME parser.

use smtp_sink::SmtpSink;

use crate::helpers::{every_kind, head, header, parse, smtp_mailer};

#[tokio::test]
async fn every_kind_of_email_is_well_formed_mime_that_decodes_to_what_was_rendered() {
    let sink = SmtpSink::start().await;
    let mailer = smtp_mailer(&sink, 2);
    let emails = every_kind();
    let mut sent = Vec::new();
    for email in &emails {
        sent.push(mailer.send(email).await.expect("sent"));
    }

    let received = sink.wait_for(emails.len()).await;
    for ((email, sent), captured) in emails.iter().zip(&sent).zip(&received) {
        let kind = email.kind();
        let rendered = mailer.render(email).expect("renders");
        let parsed = parse(&captured.data);
        assert_eq!(parsed.content_type, "multipart/alternative", "{kind}");
        assert_eq!(parsed.subject, rendered.subject, "{kind}");
        assert_eq!(
            format!("<{}>", parsed.message_id),
            sent.message_id,
            "{kind}"
        );
        assert_eq!(parsed.text.replace("\r\n", "\n"), rendered.text, "{kind}");
        assert_eq!(parsed.html.replace("\r\n", "\n"), rendered.html, "{kind}");
        assert_eq!(
            parsed.to_address.as_deref(),
            Some(email.to().email.as_str())
        );
        assert!(captured.data.is_ascii(), "{kind} is not 7-bit clean");
        for line in captured.data.split(|b| *b == b'\n') {
            assert!(
                line.len() <= 998 + 1,
                "{kind}: a line exceeds RFC 5322's limit"
            );
        }
    }
}

#[tokio::test]
async fn each_email_links_to_where_its_reader_acts() {
    let sink = SmtpSink::start().await;
    let mailer = smtp_mailer(&sink, 1);
    let expected_link = |kind: &str| match kind {
        "invitation" | "reminder" => Some("https://vouch.example.com/r/tok_3xAmple-Token"),
        "nomination_request" => Some("https://vouch.example.com/n/tok_3xAmple-Token"),
        "self_assessment_request" => Some("https://vouch.example.com/s/tok_3xAmple-Token"),
        "submission_confirmation" => Some("https://vouch.example.com/u/tok_3xAmple-Token"),
        "owner_quorum_reached"
        | "owner_ready_for_review"
        | "owner_bounce"
        | "owner_nominations_received"
        | "owner_decided"
        | "owner_opted_out"
        | "owner_pulse_below"
        | "owner_partnership_gap" => {
            Some("https://vouch.example.com/ui/cases/00000000-0000-0000-0000-000000000000")
        }
        _ => None,
    };
    for email in every_kind() {
        let rendered = mailer.render(&email).expect("renders");
        match expected_link(email.kind()) {
            Some(link) => {
                assert!(
                    rendered.text.contains(&format!("\n{link}\n")),
                    "{}",
                    email.kind()
                );
                assert!(
                    rendered.html.contains(&format!("href=\"{link}\"")),
                    "{}",
                    email.kind()
                );
            }
            None => assert!(!rendered.text.contains("https://"), "{}", email.kind()),
        }
    }
}

#[tokio::test]
async fn only_mail_to_a_referee_carries_list_unsubscribe_and_owner_mail_has_no_reply_to() {
    let sink = SmtpSink::start().await;
    let mailer = smtp_mailer(&sink, 1);
    let emails = every_kind();
    for email in &emails {
        mailer.send(email).await.expect("sent");
    }

    for (email, captured) in emails.iter().zip(sink.wait_for(emails.len()).await) {
        let head = head(&captured.data);
        let to_referee = matches!(
            email.kind(),
            "invitation" | "reminder" | "submission_confirmation"
        );
        assert_eq!(
            head.contains("\r\nList-Unsubscribe: "),
            to_referee,
            "{}",
            email.kind()
        );
        if to_referee {
            assert_eq!(
                header(&captured.data, "List-Unsubscribe"),
                "<https://vouch.example.com/u/tok_3xAmple-Token>",
                "{}",
                email.kind()
            );
            assert_eq!(
                header(&captured.data, "List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click",
                "{}",
                email.kind()
            );
            let rendered = mailer.render(email).expect("renders");
            let link = "https://vouch.example.com/u/tok_3xAmple-Token";
            assert!(
                rendered
                    .text
                    .contains(&format!("Don't ask me again:\n\n{link}\n")),
                "{}",
                email.kind()
            );
            assert!(
                rendered
                    .html
                    .contains(&format!("<a href=\"{link}\">Don't ask me again</a>")),
                "{}",
                email.kind()
            );
        }
        let to_owner = email.kind().starts_with("owner_");
        assert_eq!(
            !head.contains("\r\nReply-To: "),
            to_owner,
            "{}",
            email.kind()
        );
        if !to_owner {
            assert_eq!(
                header(&captured.data, "Reply-To"),
                "\"Olivia Owner\" <olivia@hiring.example.com>"
            );
        }
    }
}
