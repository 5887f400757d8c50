//! The answers an operation gives because of how it is served rather than what it does.
//! They follow from properties the document already states, so a new operation gets them
//! by being annotated like the others:
//!
//! | property | middleware or extractor | answers |
//! | --- | --- | --- |
//! | path under `/api/v1`, not public | `auth::authenticate` looks up any bearer token | 503 |
//! | path under `/api/v1/public` | `ratelimit::limit_public`; the engine | 429, 503 |
//! | `bearer` requirement | the role guards, `Caller` | 401 |
//! | `bearer` requirement naming roles | `Ops`, `Hr`, `Staff`, `Admin` | 403 |
//! | POST in the staff scope | `idempotency::idempotent` | 409, 413, 422 |
//! | required JSON body | `extract::ValidJson` | 400, 413, 415, 422 |
//! | optional JSON body | `extract::OptionalJson` | 400, 413, 422 |
//! | path parameter | `PathConfig` (not a UUID) and unknown ids | 404 |
//! | query parameters | `extract::ValidQuery`, paging | 422 |
//!
//! Answers an operation's annotation names keep their description. Every answer whose
//! body is a `Problem` is declared as `application/problem+json`, as the server sends it,
//! and every 429 and 503 with its `Retry-After` header.

use utoipa::Modify;
use utoipa::openapi::header::Header;
use utoipa::openapi::path::{Operation, Parameter, ParameterIn, PathItem};
use utoipa::openapi::response::Response;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{Content, OpenApi, Ref, RefOr, Required};

use crate::extract::MAX_JSON_BYTES;
use crate::idempotency;

const PROBLEM_JSON: &str = "application/problem+json";
const PROBLEM_REF: &str = "#/components/schemas/Problem";

pub struct CommonAnswers;

impl Modify for CommonAnswers {
    fn modify(&self, doc: &mut OpenApi) {
        for (path, item) in doc.paths.paths.iter_mut() {
            for (method, op) in operations(item) {
                let served = Served::of(path, method, op);
                as_problem_json(op);
                served.declare(op);
                // `ApiError` sends `Retry-After` with every 429 and 503, wherever they come from.
                retry_after(op, 429);
                retry_after(op, 503);
            }
        }
    }
}

/// What the document says about how an operation is served.
struct Served {
    staff_scope: bool,
    public_scope: bool,
    /// `Some(roles)` when a bearer token is required; empty roles: any staff member.
    bearer: Option<Vec<String>>,
    body: Option<Required>,
    post: bool,
    path_params: bool,
    query_params: bool,
}

impl Served {
    fn of(path: &str, method: &str, op: &Operation) -> Self {
        let public_scope = path.starts_with("/api/v1/public/");
        let params = |place: ParameterIn| {
            op.parameters.iter().flatten().any(|p| match p {
                RefOr::T(p) => p.parameter_in == place,
                RefOr::Ref(_) => false,
            })
        };
        Self {
            staff_scope: path.starts_with("/api/v1/") && !public_scope,
            public_scope,
            bearer: bearer_roles(op),
            body: op.request_body.as_ref().map(|b| match b {
                RefOr::T(b) => b.required.clone().unwrap_or(Required::False),
                RefOr::Ref(_) => Required::True,
            }),
            post: method == "post",
            path_params: params(ParameterIn::Path),
            query_params: params(ParameterIn::Query),
        }
    }

    fn declare(&self, op: &mut Operation) {
        if self.staff_scope {
            add(
                op,
                503,
                "the database is briefly unreachable; `Retry-After` says when to try again",
            );
        }
        if self.public_scope {
            add(
                op,
                429,
                "too many requests from this address; `Retry-After` says when to try again",
            );
            add(
                op,
                503,
                "the database is briefly unreachable; `Retry-After` says when to try again",
            );
        }
        if let Some(roles) = &self.bearer {
            add(op, 401, "missing or invalid bearer token");
            if let Some(RefOr::T(res)) = op.responses.responses.get_mut("401") {
                res.headers
                    .entry("WWW-Authenticate".into())
                    .or_insert_with(|| RefOr::T(string_header("`Bearer`")));
            }
            if !roles.is_empty() {
                let detail = format!("the caller's role is not {} (or admin)", roles.join(" or "));
                add(op, 403, &detail);
            }
        }
        if let Some(required) = &self.body {
            add(op, 400, "the body is not JSON");
            add(op, 413, &too_large());
            if *required == Required::True {
                add(op, 415, "the body is not `application/json`");
            }
            add(
                op,
                422,
                "the body breaks a rule; `errors` names each field and what is wrong",
            );
        }
        if self.path_params {
            add(
                op,
                404,
                "no such object (an id that is not a UUID is none either)",
            );
        }
        if self.query_params {
            add(
                op,
                422,
                "a query parameter is unknown or not valid; `errors` names it",
            );
        }
        if self.post && self.staff_scope {
            idempotency_key(op);
            add(
                op,
                409,
                "a request with this `Idempotency-Key` is still being processed",
            );
            add(op, 413, &too_large());
            add(
                op,
                422,
                "the `Idempotency-Key` is not 1–255 visible ASCII characters, or was used \
                 with a different request",
            );
        }
    }
}

/// Every operation of a path item, with its method in lower case.
fn operations(item: &mut PathItem) -> Vec<(&'static str, &mut Operation)> {
    [
        ("get", item.get.as_mut()),
        ("put", item.put.as_mut()),
        ("post", item.post.as_mut()),
        ("delete", item.delete.as_mut()),
        ("patch", item.patch.as_mut()),
        ("head", item.head.as_mut()),
        ("options", item.options.as_mut()),
        ("trace", item.trace.as_mut()),
    ]
    .into_iter()
    .filter_map(|(method, op)| op.map(|op| (method, op)))
    .collect()
}

/// The roles of the operation's `bearer` requirement, if it has one.
pub(crate) fn bearer_roles(op: &Operation) -> Option<Vec<String>> {
    // `SecurityRequirement` keeps its map private; its JSON form is that map.
    op.security.iter().flatten().find_map(|requirement| {
        let value = serde_json::to_value(requirement).ok()?;
        let roles = value.get("bearer")?.as_array()?;
        Some(
            roles
                .iter()
                .filter_map(|r| r.as_str().map(str::to_owned))
                .collect(),
        )
    })
}

/// Moves every `Problem` body to `application/problem+json`, the type the server sends.
fn as_problem_json(op: &mut Operation) {
    for response in op.responses.responses.values_mut() {
        let RefOr::T(response) = response else {
            continue;
        };
        let problem_types: Vec<String> = response
            .content
            .iter()
            .filter(|(_, content)| is_problem(content))
            .map(|(content_type, _)| content_type.clone())
            .collect();
        for content_type in problem_types {
            if let Some(content) = response.content.shift_remove(&content_type) {
                response.content.insert(PROBLEM_JSON.into(), content);
            }
        }
    }
}

fn is_problem(content: &RefOr<Content>) -> bool {
    matches!(content, RefOr::T(Content { schema: Some(RefOr::Ref(r)), .. }) if r.ref_location == PROBLEM_REF)
}

/// Declares `status` with a problem body unless the annotation already names it.
fn add(op: &mut Operation, status: u16, description: &str) {
    op.responses
        .responses
        .entry(status.to_string())
        .or_insert_with(|| {
            let mut response = Response::new(description);
            response.content.insert(
                PROBLEM_JSON.into(),
                RefOr::T(Content::new(Some(Ref::new(PROBLEM_REF)))),
            );
            RefOr::T(response)
        });
}

fn retry_after(op: &mut Operation, status: u16) {
    if let Some(RefOr::T(res)) = op.responses.responses.get_mut(&status.to_string()) {
        let mut header = Header::new(ObjectBuilder::new().schema_type(Type::Integer));
        header.description = Some("seconds until a retry may succeed".into());
        res.headers
            .entry("Retry-After".into())
            .or_insert(RefOr::T(header));
    }
}

fn string_header(description: &str) -> Header {
    let mut header = Header::new(ObjectBuilder::new().schema_type(Type::String));
    header.description = Some(description.into());
    header
}

fn too_large() -> String {
    format!("the body is larger than {MAX_JSON_BYTES} bytes")
}

/// The optional `Idempotency-Key` header of a staff POST.
fn idempotency_key(op: &mut Operation) {
    let params = op.parameters.get_or_insert_with(Vec::new);
    let present = params
        .iter()
        .any(|p| matches!(p, RefOr::T(p) if p.name == idempotency::HEADER));
    if present {
        return;
    }
    let schema = ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(255))
        .pattern(Some("^[\\x21-\\x7e]+$"));
    let mut param = Parameter::new(idempotency::HEADER);
    param.parameter_in = ParameterIn::Header;
    param.required = Required::False;
    param.description = Some(
        "A repeat with the same key and body is answered with the first answer \
         (`Idempotent-Replayed: true`) and changes nothing."
            .into(),
    );
    param.schema = Some(RefOr::T(schema.into()));
    params.push(RefOr::T(param));
}
