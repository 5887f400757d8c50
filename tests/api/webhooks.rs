//! Webhooks end to end, into a real HTTP receiver on 127.0.0.1: endpoints and their
//! secret, signed thin payloads checked by a second implementation (Python's hmac),
//! retries on 500 and on timeout, `Retry-After`, 410 and continuous failure disabling the
//! endpoint (with the admins emailed), private-target refusal, rotation, tests and
//! manual retries, and the admin page.

use chrono::Duration;
use engine::WebhooksSettings;
use engine::domain::Role;
use serde_json::{Value, json};
use testkit::webhook_sink::{Received, Reply, WebhookSink};
use testkit::{Backend, TestApp, TestConfig};

use crate::helpers::problem;
use crate::{fixtures, on_both_backends, on_both_databases};

on_both_databases!(
    an_endpoint_shows_its_secret_once_and_only_admins_manage_endpoints,
    state_changes_arrive_signed_with_ids_and_states_only,
    failed_deliveries_follow_the_schedule_and_honour_retry_after,
    gone_disables_the_endpoint_and_the_admins_are_told,
    a_rotated_secret_signs_beside_the_new_one_for_a_day,
    a_test_event_is_delivered_and_an_admin_can_send_a_delivery_again,
    a_redirect_is_a_failed_attempt_and_is_not_followed,
    admins_manage_endpoints_and_read_deliveries_in_the_web_ui,
    endpoints_are_listed_a_page_at_a_time_like_every_list,
);

on_both_backends!(
    an_endpoint_failing_for_the_configured_hours_is_disabled,
    a_receiver_that_never_answers_is_a_failed_attempt,
    private_targets_are_refused_by_address_and_after_resolution,
    ipv6_forms_of_private_ipv4_addresses_are_refused_naming_the_url,
);

async fn spawn(backend: Backend, webhooks: WebhooksSettings) -> Option<TestApp> {
    TestApp::spawn_with(
        backend,
        TestConfig {
            webhooks,
            ..Default::default()
        },
    )
    .await
}

/// Registers an endpoint on `sink` for `events`; returns its JSON (with the secret).
async fn register(app: &TestApp, admin: &str, sink: &WebhookSink, events: &[&str]) -> Value {
    let res = app
        .post("/api/v1/webhooks", admin)
        .json(&json!({ "url": sink.url("/hook"), "events": events, "description": "HRIS" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

/// The plain-text bodies of the "endpoint disabled" emails sent so far.
fn disabled_notices(app: &TestApp) -> Vec<String> {
    app.smtp
        .messages()
        .iter()
        .filter_map(|m| {
            let parsed = mail_parser::MessageParser::default().parse(&m.data)?;
            parsed
                .subject()?
                .contains("Webhook endpoint disabled")
                .then(|| {
                    parsed
                        .body_text(0)
                        .map(|t| t.into_owned())
                        .unwrap_or_default()
                })
        })
        .collect()
}

async fn deliveries(app: &TestApp, admin: &str, endpoint_id: &str) -> Vec<Value> {
    let res = app
        .get(&format!("/api/v1/webhooks/{endpoint_id}/deliveries"), admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let page: Value = res.json().await.unwrap();
    page["items"].as_array().unwrap().clone()
}

/// Checks `webhook-signature` with Python's standard library, an implementation of the
/// Standard Webhooks scheme independent of Vouch's: true when any `v1,` entry is the
/// HMAC-SHA256 of `id.timestamp.body` under the secret's key.
fn verified_by_python(secret: &str, received: &Received) -> bool {
    use std::io::Write;
    const SCRIPT: &str = r#"
import base64, hashlib, hmac, json, sys
d = json.load(sys.stdin)
key = base64.b64decode(d["secret"].split("_", 1)[1])
signed = (d["id"] + "." + d["timestamp"] + ".").encode() + base64.b64decode(d["body"])
expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
print("valid" if any(hmac.compare_digest(expected, s) for s in d["signature"].split(" ")) else "invalid")
"#;
    use base64::Engine as _;
    let input = json!({
        "secret": secret,
        "id": received.header("webhook-id").unwrap(),
        "timestamp": received.header("webhook-timestamp").unwrap(),
        "signature": received.header("webhook-signature").unwrap(),
        "body": base64::engine::general_purpose::STANDARD.encode(&received.body),
    });
    let mut child = std::process::Command::new("python3")
        .args(["-c", SCRIPT])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs (the signature check's second implementation)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let verdict = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(
        verdict == "valid" || verdict == "invalid",
        "python said {verdict:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    verdict == "valid"
}

async fn an_endpoint_shows_its_secret_once_and_only_admins_manage_endpoints(app: TestApp) {
    let admin = app.token_for(Role::Admin).await;
    let ops = app.token_for(Role::Ops).await;
    let sink = WebhookSink::start().await;
    let created = register(&app, &admin, &sink, &["case.decided", "reference.bounced"]).await;
    let secret = created["secret"].as_str().unwrap();
    assert!(
        secret.starts_with("whsec_") && secret.len() > 40,
        "{secret}"
    );
    assert_eq!(created["enabled"], true);
    assert_eq!(
        created["events"],
        json!(["case.decided", "reference.bounced"])
    );
    let id = created["id"].as_str().unwrap();

    for path in [
        "/api/v1/webhooks".to_owned(),
        format!("/api/v1/webhooks/{id}"),
    ] {
        let res = app.get(&path, &admin).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let text = res.text().await.unwrap();
        assert!(text.contains(id) && !text.contains(secret), "{text}");
        let res = app.get(&path, &ops).send().await.unwrap();
        problem(res, 403).await;
        let res = app.client.get(app.url(&path)).send().await.unwrap();
        problem(res, 401).await;
    }
    let res = app
        .post("/api/v1/webhooks", &ops)
        .json(&json!({ "url": sink.url("/"), "events": ["*"] }))
        .send()
        .await
        .unwrap();
    problem(res, 403).await;

    for (body, field) in [
        (
            json!({ "url": sink.url("/"), "events": ["case.exploded"] }),
            "events[0]",
        ),
        (
            json!({ "url": sink.url("/"), "events": ["*", "case.decided"] }),
            "events",
        ),
        (json!({ "url": sink.url("/"), "events": [] }), "events"),
        (
            json!({ "url": "ftp://example.com/x", "events": ["*"] }),
            "url",
        ),
        (
            json!({ "url": "https://user:pw@example.com/x", "events": ["*"] }),
            "url",
        ),
    ] {
        let res = app
            .post("/api/v1/webhooks", &admin)
            .json(&body)
            .send()
            .await
            .unwrap();
        let p = problem(res, 422).await;
        assert_eq!(p["errors"][0]["field"], field, "{body}: {p}");
    }

    let res = app
        .client
        .delete(app.url(&format!("/api/v1/webhooks/{id}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let res = app
        .get(&format!("/api/v1/webhooks/{id}"), &admin)
        .send()
        .await
        .unwrap();
    problem(res, 404).await;
}

async fn state_changes_arrive_signed_with_ids_and_states_only(app: TestApp) {
    let admin = app.token_for(Role::Admin).await;
    let all = WebhookSink::start().await;
    let decided_only = WebhookSink::start().await;
    let everything = register(&app, &admin, &all, &["*"]).await;
    register(&app, &admin, &decided_only, &["case.decided"]).await;
    let secret = everything["secret"].as_str().unwrap();

    let s = fixtures::launched_case_with_quorum(&app, 2, 2).await;
    app.engine.run_until_idle().await.unwrap();
    s.answer_all(&app, &["4", "5"]).await;
    app.engine.run_until_idle().await.unwrap();

    let received = all.received();
    let types: Vec<String> = received
        .iter()
        .map(|r| r.json()["type"].as_str().unwrap().to_owned())
        .collect();
    for expected in ["case.launched", "reference.invited", "reference.completed"] {
        assert!(
            types.iter().any(|t| t == expected),
            "{expected} in {types:?}"
        );
    }
    assert_eq!(
        types.iter().filter(|t| *t == "reference.invited").count(),
        2
    );
    assert!(decided_only.received().is_empty(), "filtered out");

    let case_id = s.id.to_string();
    let names_and_addresses: Vec<String> = (0..2)
        .flat_map(|i| {
            let r = &s.references[i];
            [
                r["email"].as_str().unwrap().to_owned(),
                r["name"].as_str().unwrap().to_owned(),
            ]
        })
        .collect();
    for r in &received {
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, "/hook");
        assert_eq!(r.header("content-type"), Some("application/json"));
        let id = r.header("webhook-id").unwrap();
        assert!(id.starts_with("msg_"), "{id}");
        let ts: i64 = r.header("webhook-timestamp").unwrap().parse().unwrap();
        assert_eq!(ts, app.engine.now().timestamp());
        assert!(verified_by_python(secret, r), "signature of {}", r.json());
        assert!(!verified_by_python(
            "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            r
        ));

        let body = r.json();
        assert_eq!(body["data"]["case_id"], case_id.as_str());
        assert!(body["timestamp"].is_string());
        let text = String::from_utf8_lossy(&r.body).to_string();
        assert!(!text.contains('@'), "no address in {text}");
        for personal in &names_and_addresses {
            assert!(!text.contains(personal.as_str()), "{personal} in {text}");
        }
        assert!(
            !text.contains("Strength") && !text.contains("answers"),
            "{text}"
        );
        let keys: Vec<&String> = body["data"].as_object().unwrap().keys().collect();
        for key in keys {
            assert!(
                key.ends_with("_id") || key.ends_with("status") || key == "outcome",
                "data carries only ids and states: {key}"
            );
        }
    }

    // The decision reaches both endpoints.
    let hr = app.token_for(Role::Hr).await;
    app.clock.advance(Duration::days(30));
    app.engine.run_until_idle().await.unwrap();
    let res = app
        .post(&format!("/api/v1/cases/{case_id}/decision"), &hr)
        .json(&json!({ "outcome": "approved", "rationale": "Jane Doe was convincing" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    app.engine.run_until_idle().await.unwrap();
    let decided = decided_only.received();
    assert_eq!(decided.len(), 1);
    let body = decided[0].json();
    assert_eq!(body["type"], "case.decided");
    assert_eq!(body["data"]["outcome"], "approved");
    assert!(!String::from_utf8_lossy(&decided[0].body).contains("Jane"));
}

async fn failed_deliveries_follow_the_schedule_and_honour_retry_after(app: TestApp) {
    let admin = app.token_for(Role::Admin).await;
    let sink = WebhookSink::start().await;
    let endpoint = register(&app, &admin, &sink, &["*"]).await;
    let id = endpoint["id"].as_str().unwrap();
    sink.script([
        Reply::Status(500),
        Reply::WithHeaders(503, vec![("Retry-After".into(), "900".into())]),
        Reply::Status(204),
    ]);
    let res = app
        .post(&format!("/api/v1/webhooks/{id}/test"), &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    app.engine.run_until_idle().await.unwrap();

    let d = deliveries(&app, &admin, id).await.remove(0);
    assert_eq!(d["status"], "pending");
    assert_eq!(d["attempts"], 1);
    assert_eq!(d["last_status"], 500);
    assert!(d["last_duration_ms"].is_number());
    let next: chrono::DateTime<chrono::Utc> =
        d["next_attempt_at"].as_str().unwrap().parse().unwrap();
    let wait = next - app.engine.now();
    // 5 s ± 20%.
    assert!(
        wait >= Duration::seconds(4) && wait <= Duration::seconds(6),
        "{wait}"
    );
    assert!(
        app.engine
            .webhooks()
            .webhook(id.parse().unwrap())
            .await
            .unwrap()
            .failing_since
            .is_some()
    );

    // Not due yet: nothing is sent.
    app.engine.run_until_idle().await.unwrap();
    assert_eq!(sink.received().len(), 1);

    app.clock.advance(Duration::seconds(7));
    app.engine.run_until_idle().await.unwrap();
    let d = deliveries(&app, &admin, id).await.remove(0);
    assert_eq!(d["attempts"], 2);
    assert_eq!(d["last_status"], 503);
    let next: chrono::DateTime<chrono::Utc> =
        d["next_attempt_at"].as_str().unwrap().parse().unwrap();
    // The schedule says 300 s ± 20%; the receiver asked for 900.
    assert_eq!(next - app.engine.now(), Duration::seconds(900));

    app.clock.advance(Duration::seconds(899));
    app.engine.run_until_idle().await.unwrap();
    assert_eq!(sink.received().len(), 2);
    app.clock.advance(Duration::seconds(1));
    app.engine.run_until_idle().await.unwrap();
    let d = deliveries(&app, &admin, id).await.remove(0);
    assert_eq!(d["status"], "delivered");
    assert_eq!(d["attempts"], 3);
    assert_eq!(d["last_status"], 204);
    assert!(d["delivered_at"].is_string());
    let received = sink.received();
    assert_eq!(received.len(), 3);
    // One message: the same id on every attempt.
    assert!(
        received
            .iter()
            .all(|r| r.header("webhook-id") == received[0].header("webhook-id"))
    );
    let endpoint = app
        .engine
        .webhooks()
        .webhook(id.parse().unwrap())
        .await
        .unwrap();
    assert!(endpoint.enabled && endpoint.failing_since.is_none());
}

async fn gone_disables_the_endpoint_and_the_admins_are_told(app: TestApp) {
    let admin = app.token_for(Role::Admin).await;
    let sink = WebhookSink::start().await;
    let endpoint = register(&app, &admin, &sink, &["*"]).await;
    let id = endpoint["id"].as_str().unwrap();
    sink.script([Reply::Status(410)]);
    app.post(&format!("/api/v1/webhooks/{id}/test"), &admin)
        .send()
        .await
        .unwrap();
    app.engine.run_until_idle().await.unwrap();

    let d = deliveries(&app, &admin, id).await.remove(0);
    assert_eq!(d["status"], "failed");
    assert_eq!(d["last_status"], 410);
    let endpoint: Value = app
        .get(&format!("/api/v1/webhooks/{id}"), &admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(endpoint["enabled"], false);
    assert!(
        endpoint["disabled_reason"]
            .as_str()
            .unwrap()
            .contains("410")
    );
    let told = disabled_notices(&app);
    assert!(!told.is_empty(), "the admins are emailed");
    assert!(told.iter().all(|text| text.contains("410")), "{told:?}");

    // Disabled: no test, no retry, and a case's events are not sent to it.
    let res = app
        .post(&format!("/api/v1/webhooks/{id}/test"), &admin)
        .send()
        .await
        .unwrap();
    problem(res, 409).await;
    let res = app
        .post(
            &format!(
                "/api/v1/webhooks/deliveries/{}/retry",
                d["id"].as_str().unwrap()
            ),
            &admin,
        )
        .send()
        .await
        .unwrap();
    problem(res, 409).await;
    fixtures::launched_case(&app, 1).await;
    app.engine.run_until_idle().await.unwrap();
    assert_eq!(sink.received().len(), 1);

    // Enabled again, a retry goes through.
    let res = app
        .post(&format!("/api/v1/webhooks/{id}/enable"), &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = app
        .post(
            &format!(
                "/api/v1/webhooks/deliveries/{}/retry",
                d["id"].as_str().unwrap()
            ),
            &admin,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    app.engine.run_until_idle().await.unwrap();
    assert_eq!(sink.received().len(), 2);
    let d = deliveries(&app, &admin, id).await.remove(0);
    assert_eq!(d["status"], "delivered");
}

async fn an_endpoint_failing_for_the_configured_hours_is_disabled(backend: Backend) {
    let Some(app) = spawn(
        backend,
        WebhooksSettings {
            allow_private_targets: true,
            disable_after_hours: 2,
            retry_schedule_seconds: vec![3600, 3600, 3600, 3600],
            ..Default::default()
        },
    )
    .await
    else {
        return;
    };
    let admin = app.token_for(Role::Admin).await;
    let sink = WebhookSink::start().await;
    let endpoint = register(&app, &admin, &sink, &["*"]).await;
    let id = endpoint["id"].as_str().unwrap();
    sink.script((0..10).map(|_| Reply::Status(500)));
    app.post(&format!("/api/v1/webhooks/{id}/test"), &admin)
        .send()
        .await
        .unwrap();
    app.engine.run_until_idle().await.unwrap();
    // Two failures over ~1.2 hours: still enabled.
    app.clock.advance(Duration::minutes(73));
    app.engine.run_until_idle().await.unwrap();
    assert_eq!(sink.received().len(), 2);
    assert!(
        app.engine
            .webhooks()
            .webhook(id.parse().unwrap())
            .await
            .unwrap()
            .enabled
    );
    // The third, past two hours of failing: disabled, and the admins hear of it once.
    app.clock.advance(Duration::minutes(73));
    app.engine.run_until_idle().await.unwrap();
    assert_eq!(sink.received().len(), 3);
    let endpoint = app
        .engine
        .webhooks()
        .webhook(id.parse().unwrap())
        .await
        .unwrap();
    assert!(!endpoint.enabled);
    assert!(
        endpoint
            .disabled_reason
            .as_deref()
            .unwrap()
            .contains("2 hours"),
        "{:?}",
        endpoint.disabled_reason
    );
    let d = deliveries(&app, &admin, id).await.remove(0);
    assert_eq!(d["attempts"], 3);
    // The attempt queued before the disabling gives up without sending.
    app.clock.advance(Duration::hours(2));
    app.engine.run_until_idle().await.unwrap();
    assert_eq!(sink.received().len(), 3);
    let d = deliveries(&app, &admin, id).await.remove(0);
    assert_eq!(d["status"], "failed");
    let notices = disabled_notices(&app).len();
    let admins = app
        .engine
        .accounts()
        .list_accounts()
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.user.role == Role::Admin && a.user.active)
        .count();
    assert_eq!(notices, admins);
}

async fn a_receiver_that_never_answers_is_a_failed_attempt(backend: Backend) {
    let Some(app) = spawn(
        backend,
        WebhooksSettings {
            allow_private_targets: true,
            timeout_seconds: 1,
            ..Default::default()
        },
    )
    .await
    else {
        return;
    };
    let admin = app.token_for(Role::Admin).await;
    let sink = WebhookSink::start().await;
    let endpoint = register(&app, &admin, &sink, &["*"]).await;
    let id = endpoint["id"].as_str().unwrap();
    sink.script([Reply::Hang]);
    app.post(&format!("/api/v1/webhooks/{id}/test"), &admin)
        .send()
        .await
        .unwrap();
    app.engine.run_until_idle().await.unwrap();
    let d = deliveries(&app, &admin, id).await.remove(0);
    assert_eq!(d["status"], "pending");
    assert_eq!(d["attempts"], 1);
    assert!(d["last_status"].is_null());
    assert_eq!(d["last_error"], "no answer within 1 seconds");
    // The retry goes through.
    app.clock.advance(Duration::seconds(7));
    app.engine.run_until_idle().await.unwrap();
    let d = deliveries(&app, &admin, id).await.remove(0);
    assert_eq!(d["status"], "delivered");
    assert_eq!(sink.received().len(), 2);
}

async fn private_targets_are_refused_by_address_and_after_resolution(backend: Backend) {
    let Some(app) = spawn(backend, WebhooksSettings::default()).await else {
        return;
    };
    let admin = app.token_for(Role::Admin).await;
    let sink = WebhookSink::start().await;
    for url in [
        sink.url("/hook"),
        format!("http://localhost:{}/hook", sink.port()),
        format!("http://[::1]:{}/hook", sink.port()),
        "http://169.254.169.254/latest/meta-data".to_owned(),
        "http://10.1.2.3/hook".to_owned(),
    ] {
        let res = app
            .post("/api/v1/webhooks", &admin)
            .json(&json!({ "url": url, "events": ["*"] }))
            .send()
            .await
            .unwrap();
        let p = problem(res, 422).await;
        assert_eq!(p["errors"][0]["field"], "url", "{url}: {p}");
    }
    assert!(
        app.engine
            .webhooks()
            .list_webhooks()
            .await
            .unwrap()
            .is_empty()
    );

    // An endpoint stored while private targets were allowed (or whose name now points
    // at loopback) is refused at delivery time too: by address, and by the resolver.
    let allowed = app.engine.clone().with_webhooks(WebhooksSettings {
        allow_private_targets: true,
        ..Default::default()
    });
    let by_user = app
        .engine
        .accounts()
        .find_user_by_email("nobody@example.com")
        .await
        .unwrap();
    assert!(by_user.is_none());
    let owner = app
        .engine
        .accounts()
        .list_accounts()
        .await
        .unwrap()
        .remove(0)
        .user
        .id;
    for url in [
        sink.url("/hook"),
        format!("http://localhost:{}/hook", sink.port()),
    ] {
        let made = allowed
            .webhooks()
            .create_webhook(
                engine::webhooks::NewWebhook {
                    url,
                    events: vec!["*".into()],
                    description: None,
                },
                owner,
            )
            .await
            .unwrap();
        app.engine
            .webhooks()
            .send_test_webhook(made.endpoint.id)
            .await
            .unwrap();
        app.engine.run_until_idle().await.unwrap();
        let list = app
            .engine
            .webhooks()
            .webhook_deliveries(made.endpoint.id, Default::default())
            .await
            .unwrap();
        let error = list.items[0].last_error.clone().unwrap_or_default();
        assert!(
            error.contains("public address"),
            "refused at delivery: {error}"
        );
    }
    assert!(sink.received().is_empty(), "nothing reached loopback");
}

/// An IPv6 address that a NAT64 gateway, a 6to4 or Teredo relay, or the IPv4-mapped form
/// turns into loopback (or the metadata service) is as private as that IPv4 address.
async fn ipv6_forms_of_private_ipv4_addresses_are_refused_naming_the_url(backend: Backend) {
    let Some(app) = spawn(backend, WebhooksSettings::default()).await else {
        return;
    };
    let admin = app.token_for(Role::Admin).await;
    for url in [
        "http://[64:ff9b::7f00:1]/hook",
        "http://[64:ff9b:1::a9fe:a9fe]/latest/meta-data",
        "http://[2002:7f00:1::]/hook",
        "http://[::127.0.0.1]/hook",
        "http://[::ffff:10.0.0.1]/hook",
        "http://[2001:0:808:808:0:0:80ff:fffe]/hook",
    ] {
        let res = app
            .post("/api/v1/webhooks", &admin)
            .json(&json!({ "url": url, "events": ["*"] }))
            .send()
            .await
            .unwrap();
        let p = problem(res, 422).await;
        assert_eq!(p["errors"][0]["field"], "url", "{url}: {p}");
    }
    assert!(
        app.engine
            .webhooks()
            .list_webhooks()
            .await
            .unwrap()
            .is_empty()
    );
}

async fn a_rotated_secret_signs_beside_the_new_one_for_a_day(app: TestApp) {
    let admin = app.token_for(Role::Admin).await;
    let sink = WebhookSink::start().await;
    let endpoint = register(&app, &admin, &sink, &["*"]).await;
    let id = endpoint["id"].as_str().unwrap();
    let old = endpoint["secret"].as_str().unwrap().to_owned();
    let res = app
        .post(&format!("/api/v1/webhooks/{id}/rotate"), &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let rotated: Value = res.json().await.unwrap();
    let new = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(old, new);
    assert!(rotated["previous_secret_until"].is_string());

    app.post(&format!("/api/v1/webhooks/{id}/test"), &admin)
        .send()
        .await
        .unwrap();
    app.engine.run_until_idle().await.unwrap();
    let first = sink.received().remove(0);
    assert_eq!(
        first
            .header("webhook-signature")
            .unwrap()
            .split(' ')
            .count(),
        2
    );
    assert!(verified_by_python(&new, &first));
    assert!(verified_by_python(&old, &first));

    app.clock.advance(Duration::hours(25));
    app.post(&format!("/api/v1/webhooks/{id}/test"), &admin)
        .send()
        .await
        .unwrap();
    app.engine.run_until_idle().await.unwrap();
    let second = sink.received().remove(1);
    assert_eq!(
        second
            .header("webhook-signature")
            .unwrap()
            .split(' ')
            .count(),
        1
    );
    assert!(verified_by_python(&new, &second));
    assert!(!verified_by_python(&old, &second));
}

async fn a_test_event_is_delivered_and_an_admin_can_send_a_delivery_again(app: TestApp) {
    let admin = app.token_for(Role::Admin).await;
    let sink = WebhookSink::start().await;
    // A filter without the test type still gets its test.
    let endpoint = register(&app, &admin, &sink, &["case.decided"]).await;
    let id = endpoint["id"].as_str().unwrap();
    let res = app
        .post(&format!("/api/v1/webhooks/{id}/test"), &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let queued: Value = res.json().await.unwrap();
    assert_eq!(queued["status"], "pending");
    assert_eq!(queued["event_type"], "webhook.test");
    let delivery_id = queued["id"].as_str().unwrap();
    // Still pending: a retry would jump its schedule.
    let res = app
        .post(
            &format!("/api/v1/webhooks/deliveries/{delivery_id}/retry"),
            &admin,
        )
        .send()
        .await
        .unwrap();
    problem(res, 409).await;

    app.engine.run_until_idle().await.unwrap();
    let received = sink.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].json()["type"], "webhook.test");
    assert_eq!(received[0].json()["data"]["webhook_id"], id);
    let d = deliveries(&app, &admin, id).await.remove(0);
    assert_eq!(d["status"], "delivered");
    assert_eq!(d["last_status"], 200);

    let res = app
        .post(
            &format!("/api/v1/webhooks/deliveries/{delivery_id}/retry"),
            &admin,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    app.engine.run_until_idle().await.unwrap();
    let received = sink.received();
    assert_eq!(received.len(), 2);
    assert_eq!(
        received[0].header("webhook-id"),
        received[1].header("webhook-id")
    );

    for path in [
        format!("/api/v1/webhooks/{}/test", uuid::Uuid::now_v7()),
        format!("/api/v1/webhooks/deliveries/{}/retry", uuid::Uuid::now_v7()),
    ] {
        let res = app.post(&path, &admin).send().await.unwrap();
        problem(res, 404).await;
    }
}

async fn admins_manage_endpoints_and_read_deliveries_in_the_web_ui(app: TestApp) {
    let admin = app.ui_as(Role::Admin).await;
    let page = "/ui/admin/webhooks";
    let sink = WebhookSink::start().await;
    let url = sink.url("/ui-hook");

    let res = admin
        .post(page, page, &[("url", "not a url"), ("events", "*")])
        .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .to_lowercase()
            .contains("is not a url")
    );

    let res = admin
        .post(
            page,
            page,
            &[
                ("url", url.as_str()),
                ("events", "case.launched"),
                ("events", "case.decided"),
                ("description", "Slack <#vetting>"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    let start = html.find("id=\"new-secret\">").unwrap() + "id=\"new-secret\">".len();
    let secret = &html[start..start + html[start..].find('<').unwrap()];
    assert!(secret.starts_with("whsec_"), "{secret}");
    assert!(html.contains("Slack &lt;#vetting&gt;"), "escaped");
    let (_, html) = admin.page(page).await;
    assert!(
        html.contains("ui-hook") && !html.contains(secret),
        "shown once"
    );
    assert!(html.contains("case.launched, case.decided"));

    let endpoint = app
        .engine
        .webhooks()
        .list_webhooks()
        .await
        .unwrap()
        .remove(0);
    let res = admin
        .post(page, &format!("{page}/{}/test", endpoint.id), &[])
        .await;
    assert_eq!(res.status(), 303);
    sink.script([Reply::Status(500)]);
    app.engine.run_until_idle().await.unwrap();
    let (status, html) = admin.page(&format!("{page}/{}", endpoint.id)).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("webhook.test") && html.contains("500"),
        "{html}"
    );
    assert!(html.contains("next try"));

    let res = admin
        .post(page, &format!("{page}/{}/disable", endpoint.id), &[])
        .await;
    assert_eq!(res.status(), 303);
    assert!(
        !app.engine
            .webhooks()
            .webhook(endpoint.id)
            .await
            .unwrap()
            .enabled
    );
    let res = admin
        .post(page, &format!("{page}/{}/rotate", endpoint.id), &[])
        .await;
    assert_eq!(res.status(), 200);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("id=\"new-secret\">whsec_")
    );
    let res = admin
        .post(page, &format!("{page}/{}/delete", endpoint.id), &[])
        .await;
    assert_eq!(res.status(), 303);
    assert!(
        app.engine
            .webhooks()
            .list_webhooks()
            .await
            .unwrap()
            .is_empty()
    );

    // Other roles do not see the page; a form without its CSRF token is refused.
    let ops = app.ui_as(Role::Ops).await;
    let (status, _) = ops.page(page).await;
    assert_eq!(status, 403);
    let res = app
        .client
        .post(app.url(page))
        .form(&[("url", url.as_str()), ("events", "*")])
        .send()
        .await
        .unwrap();
    assert_ne!(res.status(), 200);
    assert!(
        app.engine
            .webhooks()
            .list_webhooks()
            .await
            .unwrap()
            .is_empty()
    );
}

async fn a_redirect_is_a_failed_attempt_and_is_not_followed(app: TestApp) {
    let admin = app.token_for(Role::Admin).await;
    let sink = WebhookSink::start().await;
    let endpoint = register(&app, &admin, &sink, &["*"]).await;
    let id = endpoint["id"].as_str().unwrap();
    sink.script([Reply::WithHeaders(
        307,
        vec![("Location".into(), sink.url("/elsewhere"))],
    )]);
    app.post(&format!("/api/v1/webhooks/{id}/test"), &admin)
        .send()
        .await
        .unwrap();
    app.engine.run_until_idle().await.unwrap();
    let received = sink.received();
    assert_eq!(received.len(), 1, "the redirect was not followed");
    assert_eq!(received[0].path, "/hook");
    let d = deliveries(&app, &admin, id).await.remove(0);
    assert_eq!(d["status"], "pending");
    assert_eq!(d["last_status"], 307);
    assert_eq!(d["last_error"], "the receiver answered 307");
}

async fn endpoints_are_listed_a_page_at_a_time_like_every_list(app: TestApp) {
    let admin = app.token_for(Role::Admin).await;
    let sink = WebhookSink::start().await;
    let mut made = Vec::new();
    for _ in 0..3 {
        let created = register(&app, &admin, &sink, &["*"]).await;
        made.push(created["id"].as_str().unwrap().to_owned());
    }
    let res = app
        .get("/api/v1/webhooks?limit=2", &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let first: Value = res.json().await.unwrap();
    let ids = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                assert!(e.get("secret").is_none(), "no secret in a list: {e}");
                e["id"].as_str().unwrap().to_owned()
            })
            .collect()
    };
    assert_eq!(ids(&first), made[..2], "oldest first");
    let cursor = first["next_cursor"].as_str().expect("a second page");
    let res = app
        .get(&format!("/api/v1/webhooks?limit=2&cursor={cursor}"), &admin)
        .send()
        .await
        .unwrap();
    let second: Value = res.json().await.unwrap();
    assert_eq!(ids(&second), made[2..]);
    assert_eq!(second["next_cursor"], Value::Null);

    let res = app
        .get("/api/v1/webhooks?limit=0", &admin)
        .send()
        .await
        .unwrap();
    let p = problem(res, 422).await;
    assert_eq!(p["errors"][0]["field"], "limit", "{p}");
}
