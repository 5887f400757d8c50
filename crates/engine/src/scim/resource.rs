//! Reading SCIM bodies into what Vouch keeps, and writing resources back out.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::schema::{self, Attr, GROUP_ATTRS, Kind, Mutability, USER_ATTRS};
use super::{GROUP_SCHEMA, ScimError, USER_SCHEMA};

/// A user as the provider describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct UserInput {
    pub user_name: String,
    pub external_id: Option<String>,
    pub active: bool,
    /// `name`, `displayName` and `emails`, canonically spelled, as kept.
    pub attributes: Map<String, Value>,
}

/// A group as the provider describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupInput {
    pub display_name: String,
    pub external_id: Option<String>,
    pub members: Vec<Uuid>,
}

/// A provisioned user as stored.
#[derive(Clone, Debug)]
pub struct ScimUser {
    pub id: Uuid,
    pub user_name: String,
    pub external_id: Option<String>,
    pub active: bool,
    pub attributes: Map<String, Value>,
    /// (group id, displayName)
    pub groups: Vec<(Uuid, String)>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A group as stored.
#[derive(Clone, Debug)]
pub struct ScimGroup {
    pub id: Uuid,
    pub display_name: String,
    pub external_id: Option<String>,
    /// (user id, display name)
    pub members: Vec<(Uuid, String)>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Checks `value` against `attr` and returns it with sub-attribute names spelled as the
/// schema spells them; `None` for a null (an unassigned value, RFC 7644 §3.5.2).
fn canonical_value(attr: &Attr, value: &Value, whole: bool) -> Result<Option<Value>, ScimError> {
    if value.is_null() {
        return Ok(None);
    }
    if attr.multi && whole {
        let items = match value {
            Value::Array(items) => items.clone(),
            // A single value where a list belongs: taken as a list of one.
            other => vec![other.clone()],
        };
        let mut out = Vec::new();
        for item in &items {
            if let Some(v) = canonical_value(attr, item, false)? {
                out.push(v);
            }
        }
        return Ok(Some(Value::Array(out)));
    }
    let wrong = |want: &str| ScimError::InvalidValue(format!("{} must be {want}", attr.name));
    match attr.kind {
        Kind::String | Kind::Reference | Kind::DateTime => match value {
            Value::String(_) => Ok(Some(value.clone())),
            _ => Err(wrong("a string")),
        },
        // Entra ID sends "True"/"False" in PATCH values.
        Kind::Boolean => match value {
            Value::Bool(_) => Ok(Some(value.clone())),
            Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(Some(Value::Bool(true))),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(Some(Value::Bool(false))),
            _ => Err(wrong("a boolean")),
        },
        Kind::Complex => {
            let Value::Object(obj) = value else {
                return Err(wrong("an object"));
            };
            let mut out = Map::new();
            for (key, v) in obj {
                let sub = attr
                    .sub
                    .iter()
                    .find(|s| s.name.eq_ignore_ascii_case(key))
                    .ok_or_else(|| {
                        ScimError::InvalidValue(format!(
                            "{}.{key} is not an attribute Vouch supports",
                            attr.name
                        ))
                    })?;
                if let Some(v) = canonical_value(sub, v, true)? {
                    out.insert(sub.name.to_owned(), v);
                }
            }
            Ok(Some(Value::Object(out)))
        }
    }
}

/// The writable attributes of a body, canonically spelled. `schemas`, `id`, `meta` and
/// read-only attributes are ignored, as RFC 7643 §2.2 says of read-only values; an
/// attribute the schema does not have is refused (nothing sent is silently dropped).
pub fn canonical_body(attrs: &[Attr], body: &Value) -> Result<Map<String, Value>, ScimError> {
    let Value::Object(obj) = body else {
        return Err(ScimError::InvalidSyntax(
            "the body must be a JSON object".into(),
        ));
    };
    let mut out = Map::new();
    for (key, value) in obj {
        if ["schemas", "id", "meta"]
            .iter()
            .any(|k| k.eq_ignore_ascii_case(key))
        {
            continue;
        }
        // `urn:...:core:2.0:User:userName` is `userName`.
        let name = [USER_SCHEMA, GROUP_SCHEMA]
            .iter()
            .find_map(|urn| {
                key.get(..urn.len())
                    .filter(|p| p.eq_ignore_ascii_case(urn))
                    .and_then(|_| key.get(urn.len() + 1..))
            })
            .unwrap_or(key);
        let attr = schema::find(attrs, name).ok_or_else(|| {
            ScimError::InvalidValue(format!("{key} is not an attribute Vouch supports"))
        })?;
        if attr.mutability == Mutability::ReadOnly {
            continue;
        }
        if let Some(v) = canonical_value(attr, value, true)? {
            out.insert(attr.name.to_owned(), v);
        }
    }
    Ok(out)
}

fn checked_schemas(body: &Value, schema: &str) -> Result<(), ScimError> {
    match body.get("schemas") {
        None => Ok(()),
        Some(Value::Array(list)) if list.iter().any(|s| s.as_str() == Some(schema)) => Ok(()),
        Some(_) => Err(ScimError::InvalidValue(format!(
            "schemas must contain {schema}"
        ))),
    }
}

fn string_of(map: &Map<String, Value>, key: &str) -> Option<String> {
    map.get(key).and_then(Value::as_str).map(str::to_owned)
}

impl UserInput {
    pub fn from_body(body: &Value) -> Result<Self, ScimError> {
        checked_schemas(body, USER_SCHEMA)?;
        Self::from_attributes(canonical_body(USER_ATTRS, body)?)
    }

    pub(crate) fn from_attributes(mut map: Map<String, Value>) -> Result<Self, ScimError> {
        let user_name = string_of(&map, "userName")
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ScimError::InvalidValue("userName is required".into()))?;
        let external_id = string_of(&map, "externalId");
        let active = map.get("active").and_then(Value::as_bool).unwrap_or(true);
        // `active` stays among the attributes as sent (a PATCH may remove it); unset
        // counts as active, the provider's usual meaning.
        for key in ["userName", "externalId"] {
            map.remove(key);
        }
        Ok(Self {
            user_name,
            external_id,
            active,
            attributes: map,
        })
    }

    /// The staff account's email: the primary address, else the first, else `userName`
    /// when it is an address; `None` when there is none.
    pub fn email(&self) -> Option<String> {
        let emails = self
            .attributes
            .get("emails")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let value = |e: &Value| e.get("value").and_then(Value::as_str).map(str::to_owned);
        emails
            .iter()
            .find(|e| e.get("primary").and_then(Value::as_bool) == Some(true))
            .and_then(value)
            .or_else(|| emails.iter().find_map(value))
            .or_else(|| Some(self.user_name.clone()))
            .map(|e| crate::users::normalize_email(&e))
            .filter(|e| looks_like_address(e))
    }

    /// The name Vouch shows: displayName, else name.formatted, else given and family
    /// name, else userName.
    pub fn display_name(&self) -> String {
        let name = self.attributes.get("name");
        let part = |k: &str| {
            name.and_then(|n| n.get(k))
                .and_then(Value::as_str)
                .unwrap_or("")
        };
        let joined = format!("{} {}", part("givenName"), part("familyName"));
        [
            string_of(&self.attributes, "displayName").unwrap_or_default(),
            part("formatted").to_owned(),
            joined.trim().to_owned(),
        ]
        .into_iter()
        .find(|s| !s.trim().is_empty())
        .unwrap_or_else(|| self.user_name.clone())
        .trim()
        .to_owned()
    }
}

/// One `@` with something on each side and no spaces: enough to tell an address from a
/// login name; the mailer checks the rest when it sends.
fn looks_like_address(s: &str) -> bool {
    matches!(s.split_once('@'), Some((local, domain))
        if !local.is_empty() && domain.contains('.') && !domain.contains('@') && !s.contains(char::is_whitespace))
}

impl GroupInput {
    pub fn from_body(body: &Value) -> Result<Self, ScimError> {
        checked_schemas(body, GROUP_SCHEMA)?;
        Self::from_attributes(canonical_body(GROUP_ATTRS, body)?)
    }

    pub(crate) fn from_attributes(map: Map<String, Value>) -> Result<Self, ScimError> {
        let display_name = string_of(&map, "displayName")
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ScimError::InvalidValue("displayName is required".into()))?;
        let mut members = Vec::new();
        for m in map
            .get("members")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            // `value`, else the last segment of `$ref`.
            let id = m
                .get("value")
                .and_then(Value::as_str)
                .or_else(|| {
                    m.get("$ref")
                        .and_then(Value::as_str)
                        .and_then(|r| r.trim_end_matches('/').rsplit('/').next())
                })
                .and_then(|v| Uuid::parse_str(v).ok())
                .ok_or_else(|| {
                    ScimError::InvalidValue("members[].value must be the id of a user".into())
                })?;
            if !members.contains(&id) {
                members.push(id);
            }
        }
        Ok(Self {
            display_name,
            external_id: string_of(&map, "externalId"),
            members,
        })
    }
}

impl ScimUser {
    /// The writable attributes, as PATCH works on them.
    pub fn attributes(&self) -> Map<String, Value> {
        let mut map = self.attributes.clone();
        map.insert("userName".into(), json!(self.user_name));
        if let Some(e) = &self.external_id {
            map.insert("externalId".into(), json!(e));
        }
        map
    }

    pub fn to_json(&self, base: &str) -> Value {
        let mut v = json!({ "schemas": [USER_SCHEMA], "id": self.id });
        let obj = v.as_object_mut().expect("object");
        obj.extend(self.attributes());
        obj.insert(
            "groups".into(),
            self.groups
                .iter()
                .map(|(id, name)| {
                    json!({ "value": id, "$ref": format!("{base}/Groups/{id}"), "display": name })
                })
                .collect(),
        );
        obj.insert(
            "meta".into(),
            json!({
                "resourceType": "User",
                "created": time(self.created_at),
                "lastModified": time(self.updated_at),
                "location": format!("{base}/Users/{}", self.id),
            }),
        );
        v
    }
}

impl ScimGroup {
    pub fn attributes(&self) -> Map<String, Value> {
        let mut map = Map::new();
        map.insert("displayName".into(), json!(self.display_name));
        if let Some(e) = &self.external_id {
            map.insert("externalId".into(), json!(e));
        }
        map.insert(
            "members".into(),
            self.members
                .iter()
                .map(|(id, _)| json!({ "value": id }))
                .collect(),
        );
        map
    }

    pub fn to_json(&self, base: &str) -> Value {
        let mut v = json!({ "schemas": [GROUP_SCHEMA], "id": self.id });
        let obj = v.as_object_mut().expect("object");
        obj.insert("displayName".into(), json!(self.display_name));
        if let Some(e) = &self.external_id {
            obj.insert("externalId".into(), json!(e));
        }
        obj.insert(
            "members".into(),
            self.members
                .iter()
                .map(|(id, _)| json!({ "value": id, "$ref": format!("{base}/Users/{id}") }))
                .collect(),
        );
        obj.insert(
            "meta".into(),
            json!({
                "resourceType": "Group",
                "created": time(self.created_at),
                "lastModified": time(self.updated_at),
                "location": format!("{base}/Groups/{}", self.id),
            }),
        );
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_names_are_read_without_regard_to_case_and_unknown_ones_are_refused() {
        let body = json!({
            "schemas": [USER_SCHEMA],
            "USERNAME": "Ada",
            "Name": { "GivenName": "Ada", "familyName": "Lovelace" },
            "emails": [{ "value": "ada@example.com", "primary": true }],
            "groups": [{ "value": "ignored: read-only" }],
        });
        let user = UserInput::from_body(&body).unwrap();
        assert_eq!(user.user_name, "Ada");
        assert_eq!(user.display_name(), "Ada Lovelace");
        assert_eq!(user.email().as_deref(), Some("ada@example.com"));
        assert!(user.active);
        let err = UserInput::from_body(&json!({ "userName": "a", "nickName": "x" })).unwrap_err();
        assert!(matches!(err, ScimError::InvalidValue(_)));
    }

    #[test]
    fn the_email_is_the_primary_address_else_the_user_name_when_it_is_an_address() {
        let user = |body: Value| UserInput::from_body(&body).unwrap();
        let u = user(json!({ "userName": "Bob@Example.com" }));
        assert_eq!(u.email().as_deref(), Some("bob@example.com"));
        let u = user(json!({ "userName": "bob" }));
        assert_eq!(u.email(), None);
        let u = user(json!({ "userName": "bob", "emails": [
            { "value": "b@work.example" }, { "value": "b@home.example", "primary": true }
        ]}));
        assert_eq!(u.email().as_deref(), Some("b@home.example"));
    }
}
