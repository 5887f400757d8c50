//! Referees in their own language (API.md "Languages"): which language a page is shown
//! in, unsupported locales, emails per locale read back from the SMTP sink, and the
//! right-to-left page.

use chrono::Duration;
use engine::domain::Role;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use store::entity::response;
use testkit::TestApp;

use super::complete_form;
use crate::on_both_databases;

on_both_databases!(
    the_page_language_follows_the_reference_then_lang_then_accept_language_then_the_case,
    unsupported_locales_and_missing_wordings_are_refused_with_422,
    emails_go_out_in_the_referees_language_and_reminders_keep_it,
    an_arabic_form_reads_right_to_left_and_records_its_language,
);

/// A draft case in `locale` (or the default) with one referee in `referee_locale` (or
/// none), launched; returns the case JSON and the referee's address.
async fn launched(
    app: &TestApp,
    ops: &str,
    locale: Option<&str>,
    referee_locale: Option<&str>,
) -> (Value, String) {
    let provider = app.create_provider(ops).await;
    let mut body = json!({ "provider_id": provider["id"] });
    if let Some(l) = locale {
        body["locale"] = json!(l);
    }
    let res = app
        .post("/api/v1/cases", ops)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let case: Value = res.json().await.unwrap();
    let id = case["id"].as_str().unwrap();
    let email = format!("sam.{}@client.example", &id[id.len() - 12..]);
    let mut reference = json!({
        "name": "Sam Referee", "email": email, "company": "Client Co",
        "relationship": "client since 2021"
    });
    if let Some(l) = referee_locale {
        reference["locale"] = json!(l);
    }
    let res = app
        .post(&format!("/api/v1/cases/{id}/references"), ops)
        .json(&reference)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let reference: Value = res.json().await.unwrap();
    assert_eq!(reference["locale"], json!(referee_locale));
    let res = app
        .post(&format!("/api/v1/cases/{id}/launch"), ops)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    app.engine.run_until_idle().await.unwrap();
    (case, email)
}

/// The message of the 422's error on `locale`.
async fn locale_error(res: reqwest::Response) -> String {
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    let errors = body["errors"].as_array().expect("errors");
    let error = errors
        .iter()
        .find(|e| e["field"] == "locale")
        .unwrap_or_else(|| panic!("no error on locale: {body}"));
    error["message"].as_str().unwrap().to_owned()
}

/// The page at `path` with these request headers: (status, `<html …>` tag, body).
async fn page(app: &TestApp, path: &str, accept_language: Option<&str>) -> (u16, String, String) {
    let mut req = reqwest::Client::new().get(app.url(path));
    if let Some(a) = accept_language {
        req = req.header("Accept-Language", a);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let content_language = res
        .headers()
        .get("content-language")
        .map(|v| v.to_str().unwrap().to_owned());
    let html = res.text().await.unwrap();
    let start = html.find("<html").expect("an html tag");
    let tag = html[start..start + html[start..].find('>').unwrap() + 1].to_owned();
    if let Some(content_language) = content_language {
        assert!(
            tag.contains(&format!("lang=\"{content_language}\"")),
            "{tag} vs {content_language}"
        );
    }
    (status, tag, html)
}

async fn the_page_language_follows_the_reference_then_lang_then_accept_language_then_the_case(
    app: TestApp,
) {
    let ops = app.token_for(Role::Ops).await;
    let (case, email) = launched(&app, &ops, Some("es"), None).await;
    assert_eq!(case["locale"], "es");
    let token = &app.links_sent_to(&email)[0];
    let form = format!("/r/{token}");

    // Nothing from the referee: the case's language.
    let (status, tag, html) = page(&app, &form, None).await;
    assert_eq!(status, 200);
    assert_eq!(tag, "<html lang=\"es\" dir=\"ltr\">");
    assert!(
        html.contains("¿Qué tal fue trabajar con Ledger &amp; Co?"),
        "{html}"
    );
    assert!(html.contains("El proveedor comparte nuestra forma de trabajar"));
    // The switch offers the others, each in its own language.
    assert!(
        html.contains("<a href=\"?lang=de\" hreflang=\"de\" lang=\"de\" dir=\"ltr\">Deutsch</a>")
    );
    assert!(html.contains("<span aria-current=\"true\" lang=\"es\" dir=\"ltr\">Español</span>"));

    // The browser beats the case; a regional variant finds its language.
    let (_, tag, html) = page(&app, &form, Some("fr-CH, en;q=0.5")).await;
    assert_eq!(tag, "<html lang=\"fr\" dir=\"ltr\">");
    assert!(html.contains("Le prestataire partage notre façon de travailler"));
    // A language Vouch does not have is skipped for the next one the browser accepts.
    let (_, tag, _) = page(&app, &form, Some("nl, de;q=0.8")).await;
    assert_eq!(tag, "<html lang=\"de\" dir=\"ltr\">");

    // The link's ?lang= beats the browser, and is kept on the form's own links.
    let (_, tag, html) = page(&app, &format!("{form}?lang=ar"), Some("fr")).await;
    assert_eq!(tag, "<html lang=\"ar\" dir=\"rtl\">");
    assert!(
        html.contains(&format!("action=\"/r/{token}?lang=ar\"")),
        "{html}"
    );
    assert!(html.contains(&format!("href=\"/r/{token}/decline?lang=ar\"")));
    // An unusable ?lang= is ignored, never echoed.
    let (_, tag, html) = page(&app, &format!("{form}?lang=%3Cscript%3E"), None).await;
    assert_eq!(tag, "<html lang=\"es\" dir=\"ltr\">");
    assert!(!html.contains("<script>"));
    let (_, tag, _) = page(&app, &format!("{form}?lang=nl"), Some("de")).await;
    assert_eq!(tag, "<html lang=\"de\" dir=\"ltr\">");

    // The decline page follows the same rules.
    let (_, tag, html) = page(&app, &format!("{form}/decline"), Some("de-AT")).await;
    assert_eq!(tag, "<html lang=\"de\" dir=\"ltr\">");
    assert!(html.contains("Diese Referenzanfrage ablehnen?"));

    // A language chosen by staff for the referee wins over everything, with no switch.
    let (_, email) = launched(&app, &ops, Some("es"), Some("de")).await;
    let token = &app.links_sent_to(&email)[0];
    let (_, tag, html) = page(&app, &format!("/r/{token}?lang=ar"), Some("fr")).await;
    assert_eq!(tag, "<html lang=\"de\" dir=\"ltr\">");
    assert!(html.contains("Wie war die Zusammenarbeit mit Ledger &amp; Co?"));
    assert!(!html.contains("language-switch"));

    // A link that cannot be used still speaks the browser's language.
    let (status, tag, html) = page(&app, "/r/no-such-token", Some("fr")).await;
    assert_eq!(status, 404);
    assert_eq!(tag, "<html lang=\"fr\" dir=\"ltr\">");
    assert!(
        html.contains("Ce lien n&#x27;est pas valide") || html.contains("Ce lien n'est pas valide")
    );
}

async fn unsupported_locales_and_missing_wordings_are_refused_with_422(app: TestApp) {
    let ops = app.token_for(Role::Ops).await;
    let admin = app.token_for(Role::Admin).await;
    let provider = app.create_provider(&ops).await;
    let res = app
        .post("/api/v1/cases", &ops)
        .json(&json!({ "provider_id": provider["id"], "locale": "tlh" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let message = locale_error(res).await;
    assert!(message.contains("en, de, fr, es, ar"), "{message}");

    let case = app.create_case(&ops).await;
    assert_eq!(case["locale"], "en", "the default locale");
    let id = case["id"].as_str().unwrap();
    for locale in ["xx", "de-CH", "", "<b>"] {
        let res = app
            .post(&format!("/api/v1/cases/{id}/references"), &ops)
            .json(&json!({
                "name": "Sam", "email": "sam@client.example", "company": "Client Co",
                "relationship": "client", "locale": locale
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422, "{locale:?}");
        locale_error(res).await;
    }

    // A questionnaire worded in English and German only.
    let res = app
        .post("/api/v1/templates", &admin)
        .json(&json!({"name": "Short", "questions": [
            {"key": "values_fit", "prompt": "Shares our values?", "kind": "likert",
             "dimension": "values", "required": true,
             "translations": {"de": {"prompt": "Teilt unsere Werte?"}}},
            {"key": "budget", "prompt": "Budget size?", "kind": "choice",
             "options": ["small", "large"],
             "translations": {"de": {"prompt": "Budgetgröße?", "options": ["klein", "groß"]}}}
        ]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let template: Value = res.json().await.unwrap();
    let res = app
        .post("/api/v1/cases", &ops)
        .json(&json!({ "provider_id": provider["id"], "template_id": template["id"], "locale": "fr" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let message = locale_error(res).await;
    assert!(message.contains("values_fit, budget"), "{message}");

    let res = app
        .post("/api/v1/cases", &ops)
        .json(&json!({ "provider_id": provider["id"], "template_id": template["id"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let short: Value = res.json().await.unwrap();
    let short_id = short["id"].as_str().unwrap();
    let add = |locale: &'static str| {
        app.post(&format!("/api/v1/cases/{short_id}/references"), &ops)
            .json(&json!({
                "name": "Sam", "email": format!("sam.{locale}@client.example"),
                "company": "Client Co", "relationship": "client", "locale": locale
            }))
            .send()
    };
    let res = add("ar").await.unwrap();
    assert_eq!(res.status(), 422);
    let message = locale_error(res).await;
    assert!(
        message.contains("`ar`") && message.contains("values_fit, budget"),
        "{message}"
    );
    let res = add("de").await.unwrap();
    assert_eq!(res.status(), 201, "German is there");

    // Its form in German shows the German option labels but keeps the values.
    app.post(&format!("/api/v1/cases/{short_id}/launch"), &ops)
        .send()
        .await
        .unwrap();
    app.engine.run_until_idle().await.unwrap();
    let token = &app.links_sent_to("sam.de@client.example")[0];
    let (_, tag, html) = page(&app, &format!("/r/{token}"), Some("ar")).await;
    assert_eq!(tag, "<html lang=\"de\" dir=\"ltr\">");
    assert!(html.contains("value=\"small\">klein</label>"), "{html}");
    // Without a German reference, an Arabic browser gets a language the form has.
    assert!(html.contains("Teilt unsere Werte?"));
}

/// The email to `address` with `Content-Language`, subject and plain text.
fn emails_to(app: &TestApp, address: &str) -> Vec<(String, String, String)> {
    app.smtp
        .messages()
        .iter()
        .filter(|m| m.recipients.iter().any(|r| r == address))
        .map(|m| {
            let parsed = mail_parser::MessageParser::default()
                .parse(&m.data)
                .unwrap();
            let language = parsed
                .header_raw("Content-Language")
                .unwrap_or_default()
                .trim()
                .to_owned();
            (
                language,
                parsed.subject().unwrap_or_default().to_owned(),
                parsed.body_text(0).unwrap().into_owned(),
            )
        })
        .collect()
}

async fn emails_go_out_in_the_referees_language_and_reminders_keep_it(app: TestApp) {
    let ops = app.token_for(Role::Ops).await;
    // The case in French, one referee in Arabic: the referee's own language wins.
    let (_, arabic) = launched(&app, &ops, Some("fr"), Some("ar")).await;
    let (_, french) = launched(&app, &ops, Some("fr"), None).await;

    let sent = emails_to(&app, &arabic);
    assert_eq!(sent.len(), 1);
    let (language, subject, text) = &sent[0];
    assert_eq!(language, "ar");
    assert_eq!(subject, "طلب مرجع: Ledger & Co");
    assert!(text.starts_with("مرحبًا Sam Referee،"), "{text}");
    assert!(text.contains("يدرس"), "{text}");
    // The deadline in Arabic digits and month names.
    assert!(
        text.contains("يُرجى الرد قبل ") && text.contains("٢٠"),
        "{text}"
    );

    let sent = emails_to(&app, &french);
    let (language, subject, text) = &sent[0];
    assert_eq!(language, "fr");
    assert_eq!(subject, "Demande de référence\u{a0}: Ledger & Co");
    assert!(
        text.contains("envisage de travailler avec Ledger & Co"),
        "{text}"
    );

    // The first reminder, three days on, in the invitation's language.
    app.clock.advance(Duration::days(3) + Duration::hours(1));
    app.engine.run_until_idle().await.unwrap();
    let sent = emails_to(&app, &arabic);
    assert_eq!(sent.len(), 2, "{sent:?}");
    let (language, subject, text) = &sent[1];
    assert_eq!(language, "ar");
    assert_eq!(subject, "تذكير: طلب مرجع بشأن Ledger & Co");
    assert!(text.contains("تذكير قصير"), "{text}");
    let (language, subject, _) = &emails_to(&app, &french)[1];
    assert_eq!(language, "fr");
    assert_eq!(
        subject,
        "Rappel\u{a0}: demande de référence pour Ledger & Co"
    );
}

async fn an_arabic_form_reads_right_to_left_and_records_its_language(app: TestApp) {
    let ops = app.token_for(Role::Ops).await;
    let (case, email) = launched(&app, &ops, None, None).await;
    let token = app.links_sent_to(&email)[0].clone();
    let (_, tag, html) = page(&app, &format!("/r/{token}?lang=ar"), None).await;
    assert_eq!(tag, "<html lang=\"ar\" dir=\"rtl\">");
    assert!(html.contains("كيف كان العمل مع Ledger &amp; Co؟"), "{html}");
    // The scale: Arabic digits and labels, the stored values unchanged.
    assert!(
        html.contains("value=\"1\"><strong>١</strong>لا أوافق إطلاقًا</label>"),
        "{html}"
    );
    assert!(html.contains("value=\"na\">لم ألاحظ ذلك</label>"));
    // The shipped profile's headings are in the page's language too.
    assert!(
        html.contains("يشاركنا قيمنا") && !html.contains("Shares our values"),
        "{html}"
    );

    // A refused post comes back in Arabic, and the submission after it records `ar`.
    let res = app
        .post_form(&format!("/r/{token}?lang=ar"), &[("action", "submit")])
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("<html lang=\"ar\" dir=\"rtl\">"));
    assert!(html.contains("يُرجى الإجابة عن هذا السؤال."), "{html}");
    let mut form = complete_form();
    form.push(("q_concerns".into(), "لا شيء يُذكر".into()));
    let res = app.post_form(&format!("/r/{token}?lang=ar"), &form).await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"],
        format!("/r/{token}/done?lang=ar").as_str()
    );
    let (_, tag, html) = page(&app, &format!("/r/{token}/done?lang=ar"), None).await;
    assert_eq!(tag, "<html lang=\"ar\" dir=\"rtl\">");
    assert!(html.contains("شكرًا لك"));

    let stored = response::Entity::find()
        .filter(response::Column::SubmittedAt.is_not_null())
        .all(&app.engine.db().clone())
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].locale.as_deref(), Some("ar"));
    // The thank-you email is in the language they answered in.
    app.engine.run_until_idle().await.unwrap();
    let sent = emails_to(&app, &email);
    let (language, subject, _) = sent.last().unwrap();
    assert_eq!(language, "ar");
    assert_eq!(subject, "شكرًا على مرجعك بشأن Ledger & Co");
    // The report carries the comment's language.
    let id = case["id"].as_str().unwrap();
    let report: Value = app
        .get(&format!("/api/v1/cases/{id}/report"), &ops)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let comments = report["comments"].as_array().unwrap();
    assert!(
        comments.is_empty() || comments.iter().all(|c| c["locale"] == "ar"),
        "{comments:?}"
    );
}
