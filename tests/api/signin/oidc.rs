//! Single sign-on against the in-process OpenID provider of the testkit.

use engine::domain::Role;
use sea_orm::EntityTrait;
use serde_json::json;
use store::entity::{audit_event, user_identity};
use testkit::oidc_provider::{ADMIN_GROUP, HR_GROUP, OPS_GROUP, OidcProvider, Spoil};
use testkit::{Backend, PUBLIC_URL, TestApp, TestConfig, UI_PASSWORD, UiClient};

use super::{location, set_cookies};
use crate::on_both_backends;

on_both_backends!(
    each_role_signs_in_and_the_role_follows_the_provider_at_every_sign_in,
    without_sign_up_an_unknown_person_gets_no_account,
    only_a_verified_email_links_an_existing_account_and_never_an_admins,
    spoiled_id_tokens_are_refused,
    a_replayed_code_or_a_foreign_state_opens_nothing,
    a_rotated_signing_key_is_fetched_when_a_token_names_it,
    an_issuer_outage_shows_a_clear_page_and_passwords_still_work,
    with_password_sign_in_off_only_break_glass_accounts_use_one,
);

async fn app_with(
    backend: Backend,
    provider: &OidcProvider,
    tweak: impl FnOnce(&mut engine::AuthSettings),
) -> Option<TestApp> {
    let mut config = TestConfig::default();
    config.auth.oidc = provider.settings();
    tweak(&mut config.auth);
    TestApp::spawn_with(backend, config).await
}

/// `GET /ui/login/oidc`: the provider's authorization URL.
async fn begin(ui: &UiClient) -> String {
    let res = ui.get("/ui/login/oidc").await;
    assert_eq!(res.status(), 302, "off to the provider");
    let to = location(&res);
    assert!(
        set_cookies(&res)
            .iter()
            .any(|c| c.starts_with("vouch_oidc=") && c.contains("HttpOnly")),
        "the flow cookie"
    );
    to
}

/// The provider signs the person in and sends the browser back: the callback path.
async fn at_provider(app: &TestApp, authorize: &str) -> String {
    let res = app.client.get(authorize).send().await.unwrap();
    assert_eq!(res.status(), 302, "the provider sends the browser back");
    let back = location(&res);
    back.strip_prefix(PUBLIC_URL)
        .unwrap_or_else(|| panic!("back to our callback: {back}"))
        .to_owned()
}

/// The whole flow in one browser; the callback's answer.
async fn sso(app: &TestApp, ui: &UiClient) -> reqwest::Response {
    let authorize = begin(ui).await;
    let callback = at_provider(app, &authorize).await;
    ui.get(&callback).await
}

fn person(sub: &str, email: &str, verified: bool, groups: &[&str]) -> serde_json::Value {
    json!({
        "sub": sub,
        "email": email,
        "email_verified": verified,
        "name": format!("Person {sub}"),
        "groups": groups,
    })
}

async fn events(app: &TestApp, kind: &str) -> Vec<serde_json::Value> {
    audit_event::Entity::find()
        .all(app.engine.db())
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == kind)
        .map(|e| e.data)
        .collect()
}

async fn role_of(app: &TestApp, email: &str) -> Option<Role> {
    app.engine
        .accounts()
        .find_user_by_email(email)
        .await
        .unwrap()
        .map(|u| u.role)
}

async fn each_role_signs_in_and_the_role_follows_the_provider_at_every_sign_in(backend: Backend) {
    let provider = OidcProvider::start().await;
    let Some(app) = app_with(backend, &provider, |a| a.oidc.allow_signup = true).await else {
        return;
    };
    let (_, page) = app.ui().page("/ui/login").await;
    assert!(page.contains("Sign in with Test IdP"), "{page}");

    for (i, (group, role)) in [
        (ADMIN_GROUP, Role::Admin),
        (OPS_GROUP, Role::Ops),
        (HR_GROUP, Role::Hr),
    ]
    .into_iter()
    .enumerate()
    {
        let email = format!("person{i}@corp.example");
        provider.sign_in_as(person(&format!("sub-{i}"), &email, true, &[group, "staff"]));
        let ui = app.ui();
        let res = sso(&app, &ui).await;
        assert_eq!(res.status(), 303, "{role} signs in");
        assert_eq!(location(&res), "/ui");
        assert!(ui.cookie("vouch_session").is_some());
        assert!(
            ui.cookie("vouch_oidc").is_none(),
            "the flow cookie is spent"
        );
        assert_eq!(role_of(&app, &email).await, Some(role));
    }

    // The provider moves person 1 from ops to hr: the next sign-in says so, audited.
    provider.sign_in_as(person("sub-1", "person1@corp.example", true, &[HR_GROUP]));
    let ui = app.ui();
    assert_eq!(sso(&app, &ui).await.status(), 303);
    assert_eq!(role_of(&app, "person1@corp.example").await, Some(Role::Hr));
    let changes = events(&app, "user.role_changed").await;
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0]["from"], "ops");
    assert_eq!(changes[0]["to"], "hr");
    assert_eq!(changes[0]["source"], "oidc");

    // Signing out ends the session here and at the provider.
    let res = ui.post("/ui/review", "/ui/logout", &[]).await;
    assert_eq!(res.status(), 303);
    let to = location(&res);
    assert!(
        to.starts_with(&format!("{}/logout?", provider.issuer())),
        "{to}"
    );
    assert!(to.contains(
        "post_logout_redirect_uri=http%3A%2F%2Fvouch.test%2Fui%2Flogin%3Fsigned_out%3D1"
    ));
    assert!(ui.cookie("vouch_session").is_none());

    // Without any Vouch group, no way in (and the role is not taken away silently either).
    provider.sign_in_as(person("sub-2", "person2@corp.example", true, &["staff"]));
    let res = sso(&app, &app.ui()).await;
    assert_eq!(res.status(), 403);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("does not give you a role in Vouch")
    );
}

async fn without_sign_up_an_unknown_person_gets_no_account(backend: Backend) {
    let provider = OidcProvider::start().await;
    let Some(app) = app_with(backend, &provider, |_| {}).await else {
        return;
    };
    provider.sign_in_as(person("newcomer", "new@corp.example", true, &[OPS_GROUP]));
    let ui = app.ui();
    let res = sso(&app, &ui).await;
    assert_eq!(res.status(), 403);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("There is no Vouch account for you yet"),
        "{html}"
    );
    assert!(ui.cookie("vouch_session").is_none());
    assert_eq!(role_of(&app, "new@corp.example").await, None);
    assert!(
        user_identity::Entity::find()
            .all(app.engine.db())
            .await
            .unwrap()
            .is_empty()
    );
}

async fn only_a_verified_email_links_an_existing_account_and_never_an_admins(backend: Backend) {
    let provider = OidcProvider::start().await;
    let Some(app) = app_with(backend, &provider, |_| {}).await else {
        return;
    };
    let bob = app.staff_user(Role::Ops, UI_PASSWORD).await;

    // Unverified: not linked (someone could have typed Bob's address at the provider).
    provider.sign_in_as(person(
        "bob-at-idp",
        &bob.email.to_uppercase(),
        false,
        &[OPS_GROUP],
    ));
    let res = sso(&app, &app.ui()).await;
    assert_eq!(res.status(), 403);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("has not verified that address")
    );

    // Verified: linked to Bob's account, once; from then on found by subject, whatever
    // the address says.
    provider.sign_in_as(person("bob-at-idp", &bob.email, true, &[OPS_GROUP]));
    let ui = app.ui();
    assert_eq!(sso(&app, &ui).await.status(), 303);
    let identities = user_identity::Entity::find()
        .all(app.engine.db())
        .await
        .unwrap();
    assert_eq!(identities.len(), 1);
    assert_eq!(identities[0].user_id, bob.id);
    assert_eq!(identities[0].subject, "bob-at-idp");
    assert_eq!(identities[0].issuer, provider.issuer());
    assert_eq!(events(&app, "user.identity_linked").await.len(), 1);
    provider.sign_in_as(person(
        "bob-at-idp",
        "bob.renamed@corp.example",
        false,
        &[OPS_GROUP],
    ));
    assert_eq!(sso(&app, &app.ui()).await.status(), 303);
    assert_eq!(
        user_identity::Entity::find()
            .all(app.engine.db())
            .await
            .unwrap()
            .len(),
        1
    );

    // An admin's account is never linked by email, verified or not; the refusal is audited.
    let admin = app.staff_user(Role::Admin, UI_PASSWORD).await;
    provider.sign_in_as(person("admin-at-idp", &admin.email, true, &[ADMIN_GROUP]));
    let res = sso(&app, &app.ui()).await;
    assert_eq!(res.status(), 403);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("never linked to single sign-on automatically")
    );
    let refused = events(&app, "user.identity_link_refused").await;
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0]["user_id"], admin.id.to_string());
    // Nor is an account the provider would make admin.
    let carol = app.staff_user(Role::Hr, UI_PASSWORD).await;
    provider.sign_in_as(person("carol-at-idp", &carol.email, true, &[ADMIN_GROUP]));
    assert_eq!(sso(&app, &app.ui()).await.status(), 403);
    assert_eq!(role_of(&app, &carol.email).await, Some(Role::Hr));
}

async fn spoiled_id_tokens_are_refused(backend: Backend) {
    let provider = OidcProvider::start().await;
    let Some(app) = app_with(backend, &provider, |a| a.oidc.allow_signup = true).await else {
        return;
    };
    provider.sign_in_as(person("dana", "dana@corp.example", true, &[OPS_GROUP]));
    for spoil in [
        Spoil::WrongNonce,
        Spoil::WrongAudience,
        Spoil::Expired,
        Spoil::BadSignature,
    ] {
        provider.spoil(spoil);
        let ui = app.ui();
        let res = sso(&app, &ui).await;
        assert_eq!(res.status(), 401, "{spoil:?}");
        assert!(
            res.text()
                .await
                .unwrap()
                .contains("did not confirm this sign-in"),
            "{spoil:?}"
        );
        assert!(ui.cookie("vouch_session").is_none(), "{spoil:?}");
    }
    assert_eq!(
        role_of(&app, "dana@corp.example").await,
        None,
        "no account was made"
    );
    // The same person with an unspoiled token gets in.
    assert_eq!(sso(&app, &app.ui()).await.status(), 303);
}

async fn a_replayed_code_or_a_foreign_state_opens_nothing(backend: Backend) {
    let provider = OidcProvider::start().await;
    let Some(app) = app_with(backend, &provider, |a| a.oidc.allow_signup = true).await else {
        return;
    };
    provider.sign_in_as(person("erin", "erin@corp.example", true, &[HR_GROUP]));
    let first = app.ui();
    let authorize = begin(&first).await;
    let callback = at_provider(&app, &authorize).await;
    assert_eq!(first.get(&callback).await.status(), 303);

    // The same callback again in that browser: its flow is spent.
    let res = first.get(&callback).await;
    assert_eq!(res.status(), 400);

    // The code carried into another browser's fresh flow (its own state): the provider
    // refuses the code a second time.
    let second = app.ui();
    let authorize = begin(&second).await;
    let state = reqwest::Url::parse(&authorize)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let code = reqwest::Url::parse(&format!("{PUBLIC_URL}{callback}"))
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let requests = provider.token_requests();
    let res = second
        .get(&format!(
            "/ui/login/oidc/callback?code={code}&state={state}"
        ))
        .await;
    assert_eq!(res.status(), 401);
    assert_eq!(
        provider.token_requests(),
        requests + 1,
        "the provider was asked"
    );
    assert!(second.cookie("vouch_session").is_none());

    // A state that is not this browser's flow: refused before the code is redeemed.
    let third = app.ui();
    let authorize = begin(&third).await;
    let callback = at_provider(&app, &authorize).await;
    let tampered = callback.replace("state=", "state=x");
    let requests = provider.token_requests();
    let res = third.get(&tampered).await;
    assert_eq!(res.status(), 400);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("not started in this browser")
    );
    // And the right callback in a browser that never began a flow.
    assert_eq!(app.ui().get(&callback).await.status(), 400);
    assert_eq!(provider.token_requests(), requests, "no code was redeemed");
    assert!(third.cookie("vouch_session").is_none());
}

async fn a_rotated_signing_key_is_fetched_when_a_token_names_it(backend: Backend) {
    let provider = OidcProvider::start().await;
    let Some(app) = app_with(backend, &provider, |a| a.oidc.allow_signup = true).await else {
        return;
    };
    provider.sign_in_as(person("fay", "fay@corp.example", true, &[OPS_GROUP]));
    assert_eq!(sso(&app, &app.ui()).await.status(), 303);
    assert_eq!(sso(&app, &app.ui()).await.status(), 303);
    assert_eq!(provider.jwks_fetches(), 1, "the key set is cached");
    provider.rotate_key();
    assert_eq!(sso(&app, &app.ui()).await.status(), 303);
    assert_eq!(
        provider.jwks_fetches(),
        2,
        "an unknown key id fetches the set again"
    );
}

async fn an_issuer_outage_shows_a_clear_page_and_passwords_still_work(backend: Backend) {
    let provider = OidcProvider::start().await;
    provider.set_down(true);
    let Some(app) = app_with(backend, &provider, |_| {}).await else {
        return;
    };
    let ui = app.ui();
    let (status, html) = ui.page("/ui/login").await;
    assert_eq!(status, 200);
    assert!(html.contains("Sign in with Test IdP"));
    let res = ui.get("/ui/login/oidc").await;
    assert_eq!(res.status(), 503);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Test IdP cannot be reached right now"),
        "{html}"
    );
    assert!(
        html.contains("name=\"password\""),
        "the password form is right there"
    );

    let user = app.staff_user(Role::Ops, UI_PASSWORD).await;
    assert_eq!(ui.login(&user.email, UI_PASSWORD).await.status(), 303);

    // Back up: single sign-on works again without a restart.
    provider.set_down(false);
    provider.sign_in_as(person("gus", &user.email, true, &[OPS_GROUP]));
    assert_eq!(sso(&app, &app.ui()).await.status(), 303);
}

async fn with_password_sign_in_off_only_break_glass_accounts_use_one(backend: Backend) {
    let provider = OidcProvider::start().await;
    let Some(app) = app_with(backend, &provider, |a| a.local_login = false).await else {
        return;
    };
    let (_, html) = app.ui().page("/ui/login").await;
    assert!(html.contains("break-glass accounts only"));
    let admin = app.staff_user(Role::Admin, UI_PASSWORD).await;
    let ops = app.staff_user(Role::Ops, UI_PASSWORD).await;
    assert_eq!(
        app.ui().login(&admin.email, UI_PASSWORD).await.status(),
        401
    );
    assert_eq!(app.ui().login(&ops.email, UI_PASSWORD).await.status(), 401);
    app.engine
        .accounts()
        .set_break_glass(admin.id, true, &engine::audit::Actor::System)
        .await
        .unwrap();
    let ui = app.ui();
    assert_eq!(ui.login(&admin.email, UI_PASSWORD).await.status(), 303);
    // The admin marks the ops lead too, through the users page.
    let res = ui
        .post(
            "/ui/admin/users",
            &format!("/ui/admin/users/{}/break-glass", ops.id),
            &[("on", "1")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(app.ui().login(&ops.email, UI_PASSWORD).await.status(), 303);
    assert_eq!(events(&app, "user.break_glass_set").await.len(), 2);
}
