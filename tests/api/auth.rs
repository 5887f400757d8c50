//! Authentication and the role matrix: every staff route × every role, no token, bad token.

use engine::domain::Role;
use reqwest::Method;
use serde_json::{Value, json};
use testkit::TestApp;

use crate::helpers::problem;
use crate::{fixtures, on_both_databases};

on_both_databases!(
    me_returns_the_callers_account,
    missing_or_bad_token_answers_401_problem,
    every_staff_route_enforces_its_roles,
    health_endpoints_answer_without_a_token,
    every_way_of_setting_a_password_follows_the_one_policy,
);

/// The password policy lives in the engine: whoever calls it (web UI, CLI, setup, a
/// future API) gets the same answer, naming the field.
async fn every_way_of_setting_a_password_follows_the_one_policy(app: TestApp) {
    use engine::EngineError;
    use engine::users::NewUser;
    let field_of = |e: EngineError| match e {
        EngineError::Validation { field, message } => {
            assert_eq!(message, "must be 12 to 200 characters long");
            field
        }
        other => panic!("a validation error, not {other:?}"),
    };
    let short = "too short";
    let long = "x".repeat(201);
    for bad in [short, long.as_str()] {
        let err = app
            .engine
            .create_user(NewUser {
                email: "policy@example.com",
                name: "Policy",
                role: Role::Ops,
                password: Some(bad),
            })
            .await
            .unwrap_err();
        assert_eq!(field_of(err), "password");
    }
    assert!(
        app.engine
            .accounts()
            .find_user_by_email("policy@example.com")
            .await
            .unwrap()
            .is_none(),
        "nothing was created"
    );
    let user = app.staff_user(Role::Ops, "twelve chars").await;
    let err = app
        .engine
        .accounts()
        .set_password(user.id, short, &engine::audit::Actor::System)
        .await
        .unwrap_err();
    assert_eq!(field_of(err), "password");
    let err = app
        .engine
        .accounts()
        .change_own_password(user.id, uuid::Uuid::now_v7(), "twelve chars", short)
        .await
        .unwrap_err();
    assert_eq!(field_of(err), "new_password");
    assert_eq!(engine::passwords::policy_problem("twelve chars"), None);
}

async fn me_returns_the_callers_account(app: TestApp) {
    let token = app.token_for(Role::Hr).await;
    let res = app.get("/api/v1/me", &token).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let me: Value = res.json().await.unwrap();
    assert_eq!(me["role"], "hr");
    assert!(me["email"].as_str().unwrap().ends_with("@example.com"));
    assert!(me["id"].as_str().unwrap().len() == 36);
    assert_eq!(me["name"], "Test hr");
}

async fn missing_or_bad_token_answers_401_problem(app: TestApp) {
    let res = app.fetch("/api/v1/me").await;
    assert_eq!(res.headers()["www-authenticate"], "Bearer");
    problem(res, 401).await;
    let res = app
        .get("/api/v1/me", "not-a-real-token")
        .send()
        .await
        .unwrap();
    problem(res, 401).await;
    let res = app
        .client
        .get(app.url("/api/v1/me"))
        .header("Authorization", "Basic dXNlcjpwdw==")
        .send()
        .await
        .unwrap();
    problem(res, 401).await;
}

async fn health_endpoints_answer_without_a_token(app: TestApp) {
    let res = app.fetch("/healthz").await;
    assert_eq!(res.status(), 200);
    let res = app.fetch("/readyz").await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "ready");
}

struct Route {
    method: Method,
    path: String,
    body: Option<Value>,
    allowed: &'static [Role],
    success: u16,
}

async fn every_staff_route_enforces_its_roles(app: TestApp) {
    let admin = app.token_for(Role::Admin).await;
    let case = app.create_case(&admin).await;
    let case_id = case["id"].as_str().unwrap().to_owned();
    let provider_id = case["provider_id"].as_str().unwrap().to_owned();
    let profile: Value = app
        .get("/api/v1/profile", &admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    use Role::*;
    let mut routes = vec![
        Route {
            method: Method::GET,
            path: "/api/v1/me".into(),
            body: None,
            allowed: &[Admin, Ops, Hr],
            success: 200,
        },
        Route {
            method: Method::POST,
            path: "/api/v1/providers".into(),
            body: Some(
                json!({"name": "P", "category": "it", "contact_name": "C", "contact_email": "c@p.example"}),
            ),
            allowed: &[Admin, Ops],
            success: 201,
        },
        Route {
            method: Method::GET,
            path: "/api/v1/providers".into(),
            body: None,
            allowed: &[Admin, Ops, Hr],
            success: 200,
        },
        Route {
            method: Method::GET,
            path: format!("/api/v1/providers/{provider_id}"),
            body: None,
            allowed: &[Admin, Ops, Hr],
            success: 200,
        },
        Route {
            method: Method::POST,
            path: "/api/v1/cases".into(),
            body: Some(json!({"provider_id": provider_id})),
            allowed: &[Admin, Ops],
            success: 201,
        },
        Route {
            method: Method::GET,
            path: "/api/v1/cases".into(),
            body: None,
            allowed: &[Admin, Ops, Hr],
            success: 200,
        },
        Route {
            method: Method::GET,
            path: format!("/api/v1/cases/{case_id}"),
            body: None,
            allowed: &[Admin, Ops, Hr],
            success: 200,
        },
        Route {
            method: Method::POST,
            path: format!("/api/v1/cases/{case_id}/references"),
            body: Some(
                json!({"name": "R", "email": "r@client.example", "company": "Client", "relationship": "client"}),
            ),
            allowed: &[Admin, Ops],
            success: 201,
        },
        Route {
            method: Method::GET,
            path: "/api/v1/profile".into(),
            body: None,
            allowed: &[Admin, Ops, Hr],
            success: 200,
        },
        Route {
            method: Method::PUT,
            path: "/api/v1/profile".into(),
            body: Some(profile.clone()),
            allowed: &[Admin],
            success: 200,
        },
        Route {
            method: Method::GET,
            path: "/api/v1/templates".into(),
            body: None,
            allowed: &[Admin],
            success: 200,
        },
        Route {
            method: Method::POST,
            path: "/api/v1/templates".into(),
            body: Some(
                json!({"name": "T", "questions": [{"key": "q", "prompt": "Q?", "kind": "text"}]}),
            ),
            allowed: &[Admin],
            success: 201,
        },
        Route {
            method: Method::GET,
            path: format!("/api/v1/cases/{case_id}/events"),
            body: None,
            allowed: &[Admin, Ops, Hr],
            success: 200,
        },
        Route {
            method: Method::GET,
            path: format!("/api/v1/cases/{case_id}/report"),
            body: None,
            allowed: &[Admin, Ops, Hr],
            success: 200,
        },
        Route {
            method: Method::GET,
            path: format!("/api/v1/cases/{case_id}/report.csv"),
            body: None,
            allowed: &[Admin, Ops, Hr],
            success: 200,
        },
        Route {
            method: Method::GET,
            path: "/api/v1/jobs?status=dead".into(),
            body: None,
            allowed: &[Admin],
            success: 200,
        },
    ];
    // Lifecycle moves need a case in the right state for each call: these placeholders
    // become a fresh case (or reference) ready for that move.
    for (path, allowed, success) in [
        ("LAUNCH", &[Admin, Ops][..], 200),
        ("NOMINATE", &[Admin, Ops][..], 202),
        ("CLOSE", &[Admin, Ops, Hr][..], 200),
        ("CANCEL", &[Admin, Ops][..], 200),
        ("RESEND", &[Admin, Ops][..], 202),
        ("WITHDRAW", &[Admin, Ops][..], 200),
        ("RETRY", &[Admin][..], 404),
        ("DECIDE", &[Admin, Hr][..], 200),
    ] {
        routes.push(Route {
            method: Method::POST,
            path: path.into(),
            body: (path == "DECIDE")
                .then(|| json!({"outcome": "approved", "rationale": "Strong references."})),
            allowed,
            success,
        });
    }

    let tokens = [
        (Admin, app.token_for(Admin).await),
        (Ops, app.token_for(Ops).await),
        (Hr, app.token_for(Hr).await),
    ];
    for route in &routes {
        for (role, token) in &tokens {
            let path = concrete_path(&app, &admin, &route.path).await;
            let mut req = app
                .client
                .request(route.method.clone(), app.url(&path))
                .bearer_auth(token);
            if let Some(b) = &route.body {
                req = req.json(b);
            }
            let res = req.send().await.unwrap();
            let expected = if route.allowed.contains(role) {
                route.success
            } else {
                403
            };
            assert_eq!(
                res.status().as_u16(),
                expected,
                "{} {} as {role}",
                route.method,
                route.path
            );
            if expected == 403 {
                problem(res, 403).await;
            }
        }
        let path = concrete_path(&app, &admin, &route.path).await;
        let send = |token: Option<&str>| {
            let mut req = app.client.request(route.method.clone(), app.url(&path));
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            if let Some(b) = &route.body {
                req = req.json(b);
            }
            req.send()
        };
        let res = send(None).await.unwrap();
        assert_eq!(
            res.status(),
            401,
            "{} {} without token",
            route.method,
            route.path
        );
        let res = send(Some("bogus")).await.unwrap();
        assert_eq!(
            res.status(),
            401,
            "{} {} with a bad token",
            route.method,
            route.path
        );
    }
}

/// Lifecycle routes need a case in the right state for each call: placeholders become a
/// fresh case (or reference) ready for that move.
async fn concrete_path(app: &TestApp, admin: &str, path: &str) -> String {
    let launched = || async {
        let case = fixtures::launched_case(app, 1).await;
        (case.id, case.reference_id(0))
    };
    match path {
        "LAUNCH" => {
            let case = fixtures::case_with_referees(app, 1, None).await;
            format!("/api/v1/cases/{}/launch", case.id)
        }
        "NOMINATE" => format!(
            "/api/v1/cases/{}/nominate",
            app.create_case(admin).await["id"].as_str().unwrap()
        ),
        "CLOSE" => format!("/api/v1/cases/{}/close", launched().await.0),
        "CANCEL" => format!("/api/v1/cases/{}/cancel", launched().await.0),
        "RESEND" => format!("/api/v1/references/{}/resend", launched().await.1),
        "WITHDRAW" => format!("/api/v1/references/{}/withdraw", launched().await.1),
        "DECIDE" => {
            let id = launched().await.0;
            let res = app
                .post(&format!("/api/v1/cases/{id}/close"), admin)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            format!("/api/v1/cases/{id}/decision")
        }
        "RETRY" => format!("/api/v1/jobs/{}/retry", uuid::Uuid::now_v7()),
        other => other.to_owned(),
    }
}
