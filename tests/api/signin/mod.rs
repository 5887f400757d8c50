//! Staff sign-in under attack and with single sign-on (issue 16): answers that do not
//! tell who has an account, lockouts that spare the owner's known browser, containment
//! of sign-in floods, the OpenID Connect flow against an in-process provider, and the
//! first-run setup link.

mod hygiene;
mod lockout;
mod oidc;
mod setup;

fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

fn set_cookies(res: &reqwest::Response) -> Vec<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

/// The page with its CSRF token taken out, to compare answers byte for byte.
fn without_csrf(html: &str) -> String {
    match testkit::csrf_of(html) {
        Some(token) => html.replace(&token, "<csrf>"),
        None => html.to_owned(),
    }
}
