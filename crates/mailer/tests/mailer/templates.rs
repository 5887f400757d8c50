//! Operator overrides from `mail.templates_dir`, and strict rendering.

use std::path::Path;

use mailer::{Email, MailError, MailSettings, Mailer};

use crate::helpers::{PUBLIC_URL, invitation};

fn mailer_with_templates(dir: &Path, outbox: &Path) -> Result<Mailer, MailError> {
    let settings = MailSettings {
        dir: outbox.to_owned(),
        templates_dir: Some(dir.to_owned()),
        ..MailSettings::default()
    };
    Mailer::from_settings(&settings, PUBLIC_URL)
}

#[test]
fn a_template_in_the_override_directory_replaces_the_embedded_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let templates = dir.path().join("templates");
    std::fs::create_dir(&templates).expect("mkdir");
    std::fs::write(
        templates.join("invitation.subject"),
        "Demande de référence : {{ provider_name }}\n",
    )
    .expect("write");
    std::fs::write(
        templates.join("invitation.txt"),
        "Bonjour {{ to_name }},\n\nRépondez ici : {{ link }}\n",
    )
    .expect("write");

    let mailer = mailer_with_templates(&templates, &dir.path().join("out")).expect("mailer");
    let rendered = mailer.render(&Email::from(invitation())).expect("renders");

    assert_eq!(rendered.subject, "Demande de référence : Acme Books");
    assert_eq!(
        rendered.text,
        "Bonjour Sam Referee,\n\nRépondez ici : https://vouch.example.com/r/tok_3xAmple-Token\n"
    );
    // Files not overridden keep the embedded wording.
    assert!(rendered.html.contains("Answer the questionnaire"));
}

#[test]
fn an_override_using_an_undefined_variable_is_refused_at_start_up() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("reminder.txt"),
        "Hello {{ to_name }}, see {{ questionaire_link }}\n",
    )
    .expect("write");

    let error = mailer_with_templates(dir.path(), &dir.path().join("out")).expect_err("refused");

    match error {
        MailError::Render { template, detail } => {
            assert_eq!(template, "reminder.txt");
            assert!(detail.contains("undefined"), "{detail}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_override_with_a_syntax_error_is_refused_at_start_up_naming_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("owner_bounce.html"),
        "{% if reason %}unclosed",
    )
    .expect("write");

    let error = mailer_with_templates(dir.path(), &dir.path().join("out")).expect_err("refused");

    assert!(
        matches!(&error, MailError::Render { template, .. } if template == "owner_bounce.html"),
        "{error:?}"
    );
}

#[test]
fn a_template_that_renders_empty_is_an_error_not_a_blank_email() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("submission_confirmation.subject"),
        "{# nothing #}\n",
    )
    .expect("write");

    let error = mailer_with_templates(dir.path(), &dir.path().join("out")).expect_err("refused");

    assert!(
        matches!(&error, MailError::Render { template, detail }
            if template == "submission_confirmation.subject" && detail == "rendered empty"),
        "{error:?}"
    );
}

#[test]
fn a_missing_override_directory_is_a_config_error_naming_the_key() {
    let dir = tempfile::tempdir().expect("temp dir");

    let error = mailer_with_templates(&dir.path().join("nope"), &dir.path().join("out"))
        .expect_err("refused");

    assert!(
        matches!(&error, MailError::Config(message) if message.contains("mail.templates_dir")),
        "{error:?}"
    );
}
