//! The provider's nomination form: name up to N client references.

use std::collections::BTreeSet;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use engine::cases::{NewReference, ReferenceProblem};
use engine::nominations::NominationForm;
use engine::organisations::domain_of;
use serde::Serialize;

use super::{form_fields, link_problem_page, submission_meta, unreadable_form};
use crate::AppState;

/// The form's fields: name, label, input type, and the engine's length limit.
const FIELDS: [(&str, &str, &str, u64); 4] = [
    ("name", "Name", "text", NewReference::MAX_NAME),
    ("email", "Email", "email", NewReference::MAX_EMAIL),
    ("company", "Company", "text", NewReference::MAX_COMPANY),
    (
        "relationship",
        "How they worked with you",
        "text",
        NewReference::MAX_RELATIONSHIP,
    ),
];

#[derive(Serialize)]
struct FieldView {
    name: String,
    label: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    max: u64,
    value: String,
    error: Option<String>,
}

#[derive(Serialize)]
struct RowView {
    i: usize,
    fields: Vec<FieldView>,
}

#[derive(Serialize)]
struct SummaryError {
    anchor: String,
    label: String,
    message: String,
}

/// Typed values and problems, by field name (`email_2`).
#[derive(Default)]
struct Entered {
    values: std::collections::BTreeMap<String, String>,
    errors: std::collections::BTreeMap<String, String>,
    warnings: Vec<String>,
}

fn render(
    state: &AppState,
    status: StatusCode,
    token: &str,
    form: &NominationForm,
    entered: &Entered,
) -> HttpResponse {
    let rows: Vec<RowView> = (1..=form.count as usize)
        .map(|i| RowView {
            i,
            fields: FIELDS
                .iter()
                .map(|(field, label, kind, max)| {
                    let name = format!("{field}_{i}");
                    FieldView {
                        value: entered.values.get(&name).cloned().unwrap_or_default(),
                        error: entered.errors.get(&name).cloned(),
                        name,
                        label,
                        kind,
                        max: *max,
                    }
                })
                .collect(),
        })
        .collect();
    let errors: Vec<SummaryError> = entered
        .errors
        .iter()
        .map(|(name, message)| {
            let (field, i) = name.rsplit_once('_').unwrap_or((name, ""));
            let label = FIELDS
                .iter()
                .find(|f| f.0 == field)
                .map(|f| f.1)
                .unwrap_or(field);
            SummaryError {
                anchor: name.clone(),
                label: format!("Reference {i}, {}", label.to_lowercase()),
                message: message.clone(),
            }
        })
        .collect();
    // The provider's form is not part of the referee side and stays English.
    state.pages.render_in(
        status,
        "nominate.html",
        &super::english(),
        serde_json::json!({
            "token": token,
            "provider_name": form.provider_name,
            "requested_by": form.requested_by,
            "count": form.count,
            "rows": rows,
            "errors": errors,
            "warnings": entered.warnings,
        }),
    )
}

#[get("/{token}")]
pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> HttpResponse {
    match state.engine.links().nomination_form(&token).await {
        Ok(form) => render(&state, StatusCode::OK, &token, &form, &Entered::default()),
        Err(e) => link_problem_page(&state, &req, e),
    }
}

/// Checks the rows; rows left entirely empty are skipped, at least one is needed.
fn check(
    form: &NominationForm,
    fields: &std::collections::BTreeMap<String, String>,
    confirmed: bool,
) -> (Vec<NewReference>, Entered) {
    let mut entered = Entered::default();
    let mut nominees = Vec::new();
    let mut seen = BTreeSet::new();
    for i in 1..=form.count as usize {
        let get = |f: &str| {
            fields
                .get(&format!("{f}_{i}"))
                .map(|v| v.trim().to_owned())
                .unwrap_or_default()
        };
        let (name, email, company, relationship) = (
            get("name"),
            get("email"),
            get("company"),
            get("relationship"),
        );
        for (f, v) in [
            ("name", &name),
            ("email", &email),
            ("company", &company),
            ("relationship", &relationship),
        ] {
            entered.values.insert(format!("{f}_{i}"), v.clone());
        }
        if [&name, &email, &company, &relationship]
            .iter()
            .all(|v| v.is_empty())
        {
            continue;
        }
        let nominee = NewReference {
            name,
            email,
            company,
            relationship,
            override_reason: None,
            locale: None,
        };
        let mut row_ok = true;
        let mut error = |f: &str, msg: &str| {
            entered.errors.insert(format!("{f}_{i}"), msg.to_owned());
            row_ok = false;
        };
        let problems = nominee.problems();
        let email_ok = problems.iter().all(|(f, _)| *f != "email");
        for (f, problem) in problems {
            match problem {
                ReferenceProblem::Blank => error(f, "Please fill this in."),
                ReferenceProblem::TooLong(max) => {
                    error(f, &format!("Please keep this under {max} characters."))
                }
                ReferenceProblem::NotAnEmail => error(f, "Please enter a valid email address."),
                ReferenceProblem::ControlCharacters => error(
                    f,
                    "Please use plain text here: no tabs, line breaks or other control characters.",
                ),
            }
        }
        let lower = nominee.email.to_lowercase();
        if !email_ok {
            // Already said what is wrong with it.
        } else if !seen.insert(lower.clone()) {
            // Twice in this form: the provider can see that for itself. Whether someone
            // is already on the case (or may not be asked) is never said: the engine
            // skips them silently.
            error("email", "This person is already on the list.");
        } else if let Some(d) = domain_of(&lower)
            && form.provider_domains.contains(&d)
            && !confirmed
        {
            entered.warnings.push(format!(
                "{} is at {d}, the provider's own domain. References should be clients, not colleagues. Send anyway if this is right.",
                nominee.email
            ));
        }
        if row_ok {
            nominees.push(nominee);
        }
    }
    if nominees.is_empty() && entered.errors.is_empty() {
        entered.errors.insert(
            "name_1".into(),
            "Please name at least one reference.".into(),
        );
    }
    (nominees, entered)
}

#[post("/{token}")]
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let form = match state.engine.links().nomination_form(&token).await {
        Ok(form) => form,
        Err(e) => return link_problem_page(&state, &req, e),
    };
    let Ok(fields) = form_fields(&body) else {
        return unreadable_form(&state, &req, "form-unreadable-resend");
    };
    let confirmed = fields.get("confirm").is_some_and(|v| v == "on");
    let (nominees, entered) = check(&form, &fields, confirmed);
    if !entered.errors.is_empty() || !entered.warnings.is_empty() {
        let status = if entered.errors.is_empty() {
            StatusCode::OK
        } else {
            crate::error::INVALID_INPUT
        };
        return render(&state, status, &token, &form, &entered);
    }
    let client_ip = submission_meta(&req, &state, None).client_ip;
    let named = nominees.len();
    match state
        .engine
        .links()
        .submit_nominations(&token, nominees, client_ip)
        .await
    {
        // The thanks count what the provider sent, not what was added: some may have been
        // left out, and the provider must not learn which, or that any were.
        Ok(_) => {
            let line = format!(
                "Thank you: {} will contact the {} reference{} you named.",
                form.requested_by,
                named,
                if named == 1 { "" } else { "s" },
            );
            state.pages.message_in(
                StatusCode::OK,
                &super::english(),
                "References received",
                &[line.as_str()],
            )
        }
        Err(e) => link_problem_page(&state, &req, e),
    }
}
