//! "Don't ask me again" (`/u/{token}`): the link in every email to a referee and in its
//! `List-Unsubscribe` header. Any token ever sent to the referee works, revoked ones too.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};

use super::{any_language, link_problem_page, page_language};
use crate::AppState;

/// The confirm page. A GET changes nothing: mail scanners open every link in a message
/// before its reader does.
#[get("/{token}")]
pub async fn confirm(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> HttpResponse {
    match state.engine.links().opt_out_page(&token).await {
        Ok(page) => {
            let lang = page_language(&state, &req, &page.languages);
            state.pages.render_in(
                StatusCode::OK,
                "opt_out.html",
                &lang,
                serde_json::json!({
                    "token": token.as_str(),
                    "provider_name": page.provider_name,
                    "address_hint": page.address_hint,
                    "opted_out": page.opted_out,
                }),
            )
        }
        Err(e) => link_problem_page(&state, &req, e),
    }
}

/// Records the opt-out. The body is ignored: the page's form sends none, a mail client's
/// one-click unsubscribe sends `List-Unsubscribe=One-Click` (RFC 8058), and either means
/// the same. Answered with the page itself (200), not a redirect, since one-click clients
/// do not follow one.
#[post("/{token}")]
pub async fn opt_out(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    _body: web::Bytes,
) -> HttpResponse {
    match state.engine.links().record_opt_out(&token).await {
        Ok(_) => {
            let lang = any_language(&state, &req);
            let text = |key| state.pages.text(&lang, key);
            state.pages.message_in(
                StatusCode::OK,
                &lang,
                &text("opt-out-done-heading"),
                &[&text("opt-out-recorded"), &text("opt-out-recorded-close")],
            )
        }
        Err(e) => link_problem_page(&state, &req, e),
    }
}
