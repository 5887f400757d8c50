//! The attributes Vouch supports, as data: the `Schemas` endpoint renders them, and
//! bodies and PATCH paths are read against them (attribute names are case-insensitive,
//! RFC 7643 §2.1), so what is described and what is accepted cannot drift apart.

use serde_json::{Value, json};

use super::{GROUP_SCHEMA, MAX_RESULTS, USER_SCHEMA};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    String,
    Boolean,
    Complex,
    Reference,
    DateTime,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mutability {
    ReadOnly,
    ReadWrite,
    Immutable,
}

#[derive(Debug)]
pub struct Attr {
    pub name: &'static str,
    pub kind: Kind,
    pub multi: bool,
    pub required: bool,
    pub case_exact: bool,
    pub mutability: Mutability,
    pub unique: bool,
    pub sub: &'static [Attr],
    /// For references: the resource types they may name.
    pub refs: &'static [&'static str],
    pub description: &'static str,
}

const fn attr(name: &'static str, kind: Kind, description: &'static str) -> Attr {
    Attr {
        name,
        kind,
        multi: false,
        required: false,
        case_exact: false,
        mutability: Mutability::ReadWrite,
        unique: false,
        sub: &[],
        refs: &[],
        description,
    }
}

pub static USER_ATTRS: &[Attr] = &[
    Attr {
        required: true,
        unique: true,
        ..attr(
            "userName",
            Kind::String,
            "Unique identifier for the user, compared without regard to case.",
        )
    },
    Attr {
        sub: &[
            attr("formatted", Kind::String, "The full name."),
            attr("familyName", Kind::String, "The family name."),
            attr("givenName", Kind::String, "The given name."),
        ],
        ..attr("name", Kind::Complex, "The components of the user's name.")
    },
    attr(
        "displayName",
        Kind::String,
        "The name shown in Vouch; else name.formatted, else given and family name, else userName.",
    ),
    Attr {
        multi: true,
        sub: &[
            attr("value", Kind::String, "An email address."),
            attr("type", Kind::String, "A label, e.g. work."),
            attr(
                "primary",
                Kind::Boolean,
                "The primary address: the staff account's email.",
            ),
        ],
        ..attr(
            "emails",
            Kind::Complex,
            "Email addresses; the primary one (else the first) is the account's email.",
        )
    },
    attr(
        "active",
        Kind::Boolean,
        "false ends the user's sessions and stops their API tokens at once; unset counts as true.",
    ),
    Attr {
        multi: true,
        mutability: Mutability::ReadOnly,
        sub: &[
            Attr {
                mutability: Mutability::ReadOnly,
                ..attr("value", Kind::String, "The group's id.")
            },
            Attr {
                mutability: Mutability::ReadOnly,
                refs: &["Group"],
                ..attr("$ref", Kind::Reference, "The group's URI.")
            },
            Attr {
                mutability: Mutability::ReadOnly,
                ..attr("display", Kind::String, "The group's displayName.")
            },
        ],
        ..attr(
            "groups",
            Kind::Complex,
            "The groups the user is in (change them through Groups).",
        )
    },
];

pub static GROUP_ATTRS: &[Attr] = &[
    Attr {
        required: true,
        ..attr(
            "displayName",
            Kind::String,
            "The group's name; it gives its members a role through the role mapping.",
        )
    },
    Attr {
        multi: true,
        sub: &[
            Attr {
                mutability: Mutability::Immutable,
                ..attr("value", Kind::String, "The id of a member user.")
            },
            // Writable so a client may name a member by URI alone; its last segment
            // is the id.
            Attr {
                mutability: Mutability::Immutable,
                refs: &["User"],
                ..attr("$ref", Kind::Reference, "The member's URI.")
            },
        ],
        ..attr(
            "members",
            Kind::Complex,
            "The users in the group (no nested groups).",
        )
    },
];

/// The common attributes every resource has besides its schema's (RFC 7643 §3.1).
pub static EXTERNAL_ID: Attr = Attr {
    case_exact: true,
    ..attr("externalId", Kind::String, "The identity provider's id.")
};

/// The attribute of `attrs` named `name`, whatever its case; `externalId` included.
pub fn find<'a>(attrs: &'a [Attr], name: &str) -> Option<&'a Attr> {
    attrs
        .iter()
        .chain(std::iter::once(&EXTERNAL_ID))
        .find(|a| a.name.eq_ignore_ascii_case(name))
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::String => "string",
        Kind::Boolean => "boolean",
        Kind::Complex => "complex",
        Kind::Reference => "reference",
        Kind::DateTime => "dateTime",
    }
}

fn describe(a: &Attr) -> Value {
    let mut v = json!({
        "name": a.name,
        "type": kind_name(a.kind),
        "multiValued": a.multi,
        "description": a.description,
        "required": a.required,
        "mutability": match a.mutability {
            Mutability::ReadOnly => "readOnly",
            Mutability::ReadWrite => "readWrite",
            Mutability::Immutable => "immutable",
        },
        "returned": "default",
    });
    if a.kind != Kind::Complex && a.kind != Kind::Boolean {
        v["caseExact"] = json!(a.case_exact);
        v["uniqueness"] = json!(if a.unique { "server" } else { "none" });
    }
    if a.kind == Kind::Reference {
        v["referenceTypes"] = json!(a.refs);
    }
    if !a.sub.is_empty() {
        v["subAttributes"] = a.sub.iter().map(describe).collect();
    }
    v
}

fn schema_resource(base: &str, id: &str, name: &str, description: &str, attrs: &[Attr]) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": id,
        "name": name,
        "description": description,
        "attributes": attrs.iter().map(describe).collect::<Vec<_>>(),
        "meta": {
            "resourceType": "Schema",
            "location": format!("{base}/Schemas/{id}"),
        },
    })
}

/// The `Schemas` resources (RFC 7643 §7).
pub fn schemas(base: &str) -> Vec<Value> {
    vec![
        schema_resource(
            base,
            USER_SCHEMA,
            "User",
            "A Vouch staff account",
            USER_ATTRS,
        ),
        schema_resource(
            base,
            GROUP_SCHEMA,
            "Group",
            "A group that maps to a Vouch role",
            GROUP_ATTRS,
        ),
    ]
}

/// The `ResourceTypes` resources (RFC 7643 §6).
pub fn resource_types(base: &str) -> Vec<Value> {
    [
        ("User", "/Users", USER_SCHEMA),
        ("Group", "/Groups", GROUP_SCHEMA),
    ]
    .into_iter()
    .map(|(name, endpoint, schema)| {
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": name,
            "name": name,
            "endpoint": endpoint,
            "description": format!("Vouch {name}s"),
            "schema": schema,
            "schemaExtensions": [],
            "meta": {
                "resourceType": "ResourceType",
                "location": format!("{base}/ResourceTypes/{name}"),
            },
        })
    })
    .collect()
}

/// The `ServiceProviderConfig` (RFC 7643 §5): exactly what is supported.
pub fn service_provider_config(base: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "patch": { "supported": true },
        "bulk": { "supported": false, "maxOperations": 0, "maxPayloadSize": 0 },
        "filter": { "supported": true, "maxResults": MAX_RESULTS },
        "changePassword": { "supported": false },
        "sort": { "supported": false },
        "etag": { "supported": false },
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "Bearer token",
            "description": "A token from `vouch admin create-scim-token` or the admin page, in Authorization: Bearer.",
            "primary": true,
        }],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": format!("{base}/ServiceProviderConfig"),
        },
    })
}
