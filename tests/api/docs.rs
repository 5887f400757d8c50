//! The OpenAPI document against the routes the server has, and the offline docs page.
//!
//! actix cannot list its routes at run time, so the route table is read from the sources
//! that make up the API: every handler attribute (`#[get("..")]`, `#[route(..)]`) and
//! `.route(..)`/`web::resource(..)` registration in each file under
//! `crates/api/src/routes/` (the `/api/v1` scope; new files are picked up by themselves),
//! the public JSON forms (`/api/v1/public`) and the health checks (the root). That table
//! must equal the document's operations, and every documented operation must reach a
//! handler of the running server rather than the scope's fallback.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use engine::domain::Role;
use serde_json::{Value, json};
use testkit::{Backend, TestApp};

/// Where the API's routes are declared, and the prefix their paths are mounted under.
const ROUTE_SOURCES: [(&str, &str); 4] = [
    ("crates/api/src/routes", "/api/v1"),
    ("crates/api/src/public/forms_json.rs", "/api/v1/public"),
    ("crates/api/src/health.rs", ""),
    ("crates/api/src/metrics.rs", ""),
];

const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];

/// The detail of the `/api/v1` scope's fallback: the answer to a path nothing handles.
const FALLBACK_DETAIL: &str = "resource not found";

type Operation = (String, String);

async fn document(app: &TestApp) -> Value {
    let res = app.fetch("/api/v1/openapi.json").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/json");
    res.json().await.unwrap()
}

fn documented_operations(doc: &Value) -> BTreeSet<Operation> {
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().unwrap().keys() {
            if METHODS.contains(&method.as_str()) {
                ops.insert((method.clone(), path.clone()));
            }
        }
    }
    ops
}

fn rust_files(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            rust_files(&entry.unwrap().path(), out);
        }
    } else if path.extension().is_some_and(|e| e == "rs") {
        out.push(path.to_owned());
    }
}

/// The string literal at the start of `text` (after optional blanks), if any.
fn literal(text: &str) -> Option<&str> {
    let text = text.trim_start().strip_prefix('"')?;
    Some(&text[..text.find('"')?])
}

/// actix's `{name:regex}` segments are OpenAPI's `{name}`.
fn openapi_path(prefix: &str, path: &str) -> String {
    let mut out = String::from(prefix);
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let end = start + rest[start..].find('}').expect("closed segment");
        let name = rest[start + 1..end].split(':').next().unwrap();
        out.push_str(&rest[..start]);
        out.push_str(&format!("{{{name}}}"));
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

/// The (method, path) pairs `source` registers, with `prefix` before each path.
fn routes_in(source: &str, prefix: &str) -> Vec<Operation> {
    // Comments may quote routes; they register none.
    let code: String = source
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut found = Vec::new();
    for method in METHODS {
        // `#[get("/path")]`
        for (at, needle) in code.match_indices(&format!("#[{method}(")) {
            let path = literal(&code[at + needle.len()..]).expect("a path literal");
            found.push((method.to_owned(), openapi_path(prefix, path)));
        }
    }
    // `#[route("/path", method = "GET", method = "POST")]`
    for (at, needle) in code.match_indices("#[route(") {
        let args = &code[at + needle.len()..];
        let args = &args[..args.find(")]").expect("closed attribute")];
        let path = literal(args).expect("a path literal");
        for (m, n) in args.match_indices("method") {
            let value = args[m + n.len()..].trim_start().strip_prefix('=').unwrap();
            let method = literal(value).expect("a method literal").to_lowercase();
            found.push((method, openapi_path(prefix, path)));
        }
    }
    // `.route("/path", web::get()...)`
    for (at, needle) in code.match_indices(".route(\"") {
        let rest = &code[at + needle.len() - 1..];
        let path = literal(rest).unwrap();
        let after = rest[path.len() + 2..].trim_start().trim_start_matches(',');
        let method = METHODS
            .into_iter()
            .find(|m| after.trim_start().starts_with(&format!("web::{m}()")))
            .expect("a method route");
        found.push((method.to_owned(), openapi_path(prefix, path)));
    }
    // `web::resource("/path").route(web::get()...).route(web::post()...)`
    for (at, needle) in code.match_indices("web::resource(") {
        let rest = &code[at + needle.len()..];
        let path = literal(rest).expect("a path literal");
        let chain_end = [rest.find(';'), rest[1..].find("web::resource(")]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(rest.len());
        let chain = &rest[..chain_end];
        for method in METHODS {
            if chain.contains(&format!(".route(web::{method}()")) {
                found.push((method.to_owned(), openapi_path(prefix, path)));
            }
        }
    }
    found
}

fn registered_operations() -> BTreeSet<Operation> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut ops = BTreeSet::new();
    for (source, prefix) in ROUTE_SOURCES {
        let mut files = Vec::new();
        rust_files(&root.join(source), &mut files);
        assert!(!files.is_empty(), "no sources at {source}");
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            ops.extend(routes_in(&text, prefix));
        }
    }
    ops
}

#[test]
fn the_route_scanner_reads_every_way_of_registering_a_route() {
    let source = r#"
        // #[get("/commented-out")]
        #[get("/things")]
        #[post("/things/{id}/act")]
        #[route("/both", method = "GET", method = "PUT")]
        #[delete("/things/{id:[0-9a-f-]+}")]
        cfg.route("/hooks", web::patch().to(handler))
           .service(web::resource("/res/{id}").route(web::get().to(a)).route(web::delete().to(b)));
    "#;
    let found: BTreeSet<Operation> = routes_in(source, "/api/v1").into_iter().collect();
    let expected: BTreeSet<Operation> = [
        ("get", "/api/v1/things"),
        ("post", "/api/v1/things/{id}/act"),
        ("get", "/api/v1/both"),
        ("put", "/api/v1/both"),
        ("delete", "/api/v1/things/{id}"),
        ("patch", "/api/v1/hooks"),
        ("get", "/api/v1/res/{id}"),
        ("delete", "/api/v1/res/{id}"),
    ]
    .into_iter()
    .map(|(m, p)| (m.to_owned(), p.to_owned()))
    .collect();
    assert_eq!(found, expected);
}

#[tokio::test]
async fn the_document_lists_exactly_the_routes_the_sources_register() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let doc = document(&app).await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let documented = documented_operations(&doc);
    let registered = registered_operations();
    let undocumented: Vec<_> = registered.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&registered).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from the OpenAPI document (add them to crates/api/src/openapi): \
         {undocumented:?}"
    );
    assert!(
        unrouted.is_empty(),
        "documented operations no source registers: {unrouted:?}"
    );
    // The scan found the API, not an empty directory.
    assert!(registered.contains(&("post".to_owned(), "/api/v1/cases/{id}/launch".to_owned())));
    assert!(registered.contains(&("get".to_owned(), "/api/v1/public/forms/{token}".to_owned())));
    assert!(registered.contains(&("get".to_owned(), "/api/v1/openapi.json".to_owned())));
    assert!(registered.contains(&("get".to_owned(), "/healthz".to_owned())));
}

/// Each documented operation reaches a handler: a request with a well-formed id and a
/// token that passes every role gets that handler's answer, never the scope's fallback
/// 404 or a 405.
#[tokio::test]
async fn every_documented_operation_is_routed() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let admin = app.token_for(Role::Admin).await;
    let doc = document(&app).await;

    // The fallback the probe tells apart really is what an unknown route gets.
    let res = app
        .get("/api/v1/no-such-route", &admin)
        .send()
        .await
        .unwrap();
    let body = crate::helpers::problem(res, 404).await;
    assert_eq!(body["detail"], FALLBACK_DETAIL);
    let res = app.fetch("/api/v1/public/no-such-route").await;
    let body = crate::helpers::problem(res, 404).await;
    assert_eq!(body["detail"], FALLBACK_DETAIL);

    for (method, path) in documented_operations(&doc) {
        let mut url = String::new();
        for segment in path.split('/').skip(1) {
            url.push('/');
            if segment.starts_with('{') {
                url.push_str(&uuid::Uuid::new_v4().to_string());
            } else {
                url.push_str(segment);
            }
        }
        let method_ = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let mut req = app
            .client
            .request(method_, app.url(&url))
            .bearer_auth(&admin);
        if doc["paths"][&path][&method]["requestBody"].is_object() {
            req = req.json(&json!({}));
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let body = res.text().await.unwrap();
        assert_ne!(status, 405, "{method} {path}: {body}");
        let detail = serde_json::from_str::<Value>(&body)
            .ok()
            .and_then(|b| b["detail"].as_str().map(str::to_owned));
        assert!(
            !(status == 404 && detail.as_deref() == Some(FALLBACK_DETAIL)),
            "{method} {path} is documented but not routed: {body}"
        );
        let documented = &doc["paths"][&path][&method]["responses"][status.to_string()];
        assert!(
            documented.is_object(),
            "{method} {path} answered {status}, which its document does not list: {body}"
        );
    }
}

/// How each operation is served shows in its security and its error answers.
#[tokio::test]
async fn errors_are_problem_documents_and_staff_operations_need_a_token() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let doc = document(&app).await;
    for (method, path) in documented_operations(&doc) {
        let op = &doc["paths"][&path][&method];
        let what = format!("{method} {path}");
        let staff = path.starts_with("/api/v1/")
            && !path.starts_with("/api/v1/public/")
            && path != "/api/v1/openapi.json";
        // Path parameters are the path's segments; everything else is a query or header.
        let in_path: BTreeSet<String> = op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "path")
            .map(|p| format!("{{{}}}", p["name"].as_str().unwrap()))
            .collect();
        let segments: BTreeSet<String> = path
            .split('/')
            .filter(|s| s.starts_with('{'))
            .map(str::to_owned)
            .collect();
        assert_eq!(in_path, segments, "{what}: path parameters");
        let security = op["security"].as_array().map(Vec::as_slice).unwrap_or(&[]);
        if path == "/metrics" {
            // Open to this machine, or to anyone with `metrics.token` as a bearer token.
            assert!(
                security
                    .iter()
                    .any(|s| s.as_object().is_some_and(|o| o.is_empty()))
            );
            assert!(security.iter().any(|s| s["bearer"].is_array()));
        } else if staff {
            assert!(
                security.iter().any(|s| s["bearer"].is_array()),
                "{what} needs the bearer scheme"
            );
            assert!(op["responses"]["401"].is_object(), "{what} lacks 401");
        } else {
            assert!(security.is_empty(), "{what} is public: {security:?}");
            assert!(op["responses"]["401"].is_null(), "{what} answers no 401");
        }
        if path.starts_with("/api/v1/public/") {
            for status in ["404", "429", "503"] {
                assert!(op["responses"][status].is_object(), "{what} lacks {status}");
            }
        }
        if path.starts_with("/api/v1/") {
            assert!(op["responses"]["503"].is_object(), "{what} lacks 503");
        }
        for (status, response) in op["responses"].as_object().unwrap() {
            if status == "429" || status == "503" {
                assert!(
                    response["headers"]["Retry-After"].is_object(),
                    "{what} {status} names Retry-After"
                );
            }
            let content = &response["content"];
            if status == "204" {
                assert!(content.is_null(), "{what} 204 has a body");
                continue;
            }
            if status.starts_with('2') {
                assert!(content.is_object(), "{what} {status} has no body");
                continue;
            }
            assert_eq!(
                content.as_object().map(|c| c.keys().collect::<Vec<_>>()),
                Some(vec![&"application/problem+json".to_owned()]),
                "{what} {status}"
            );
            assert_eq!(
                content["application/problem+json"]["schema"]["$ref"],
                "#/components/schemas/Problem",
                "{what} {status}"
            );
        }
    }

    let responses = |method: &str, path: &str| doc["paths"][path][method]["responses"].clone();
    let statuses = |method: &str, path: &str| -> Vec<String> {
        responses(method, path)
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };
    // Any role may ask who it is: no 403, no body, no id.
    assert_eq!(statuses("get", "/api/v1/me"), ["200", "401", "503"]);
    // A role-restricted POST with a JSON body, through the idempotency layer.
    assert_eq!(
        statuses("post", "/api/v1/providers"),
        [
            "201", "400", "401", "403", "409", "413", "415", "422", "503"
        ]
    );
    // The optional body of nominate is read whatever its type: no 415.
    assert!(!statuses("post", "/api/v1/cases/{id}/nominate").contains(&"415".to_owned()));
    // A list with query parameters.
    assert_eq!(
        statuses("get", "/api/v1/cases"),
        ["200", "401", "403", "422", "503"]
    );
    assert_eq!(
        statuses("get", "/api/v1/public/forms/{token}"),
        ["200", "404", "409", "410", "429", "503"]
    );
    assert_eq!(statuses("get", "/healthz"), ["200"]);
    assert_eq!(statuses("get", "/readyz"), ["200", "503"]);
    assert_eq!(statuses("get", "/api/v1/openapi.json"), ["200", "503"]);
    // Descriptions an annotation gives survive.
    let conflict = responses("post", "/api/v1/cases/{id}/references")["409"]["description"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(conflict.contains("referee-fatigue"), "{conflict}");
    // The roles admitted are the bearer requirement's.
    assert_eq!(
        doc["paths"]["/api/v1/cases/{id}/decision"]["post"]["security"],
        json!([{"bearer": ["hr"]}])
    );
    let key = doc["paths"]["/api/v1/cases"]["post"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Idempotency-Key")
        .expect("POST documents Idempotency-Key")
        .clone();
    assert_eq!(key["in"], "header");
}

/// The evidence figures of the report and the case are documented.
#[tokio::test]
async fn the_document_describes_the_evidence_figures() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let doc = document(&app).await;
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let schemas = &doc["components"]["schemas"];
    for (schema, field) in [
        ("Report", "organisations"),
        ("Report", "min_organisations"),
        ("Report", "sources"),
        ("Report", "self_assessment"),
        ("DimensionScore", "referees"),
        ("DimensionScore", "person_score"),
        ("DimensionScore", "sourced_score"),
        ("DimensionScore", "nominated_score"),
        ("DimensionScore", "self_score"),
        ("DimensionScore", "self_gap"),
        ("VettingCase", "min_organisations"),
        ("VettingCase", "self_assessment"),
        ("VettingCase", "engagement_id"),
        ("Engagement", "pulses"),
        ("Pulse", "dimensions"),
        ("PulseDimension", "drift"),
        ("Calibration", "alignment"),
        ("ReferenceRequest", "source"),
        ("ReferenceRequest", "organisation"),
    ] {
        assert!(
            schemas[schema]["properties"][field].is_object(),
            "{schema}.{field} missing from the document"
        );
    }
    let kinds = schemas["FlagKind"].to_string();
    for kind in [
        "insufficient_organisations",
        "nominated_only",
        "source_gap",
        "blind_spot",
        "fraud_provider_ip",
        "fraud_unviewed",
    ] {
        assert!(kinds.contains(kind), "flag {kind} missing: {kinds}");
    }
}

#[tokio::test]
async fn docs_page_is_served_with_its_assets_from_the_binary() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let res = app.fetch("/api/docs").await;
    assert_eq!(res.status(), 308);
    let res = app.fetch("/api/docs/").await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    assert!(
        !html.contains("cdn."),
        "the page must not load assets from a CDN"
    );
    let res = app.fetch("/api/docs/swagger-ui-bundle.js").await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().len() > 100_000);
    // The page reads the document the API serves.
    let res = app.fetch("/api/docs/swagger-initializer.js").await;
    assert_eq!(res.status(), 200);
    let script = res.text().await.unwrap();
    assert!(script.contains("/api/v1/openapi.json"), "{script}");
}
