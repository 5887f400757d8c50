//! PATCH (RFC 7644 §3.5.2) on a resource's writable attributes. The operations are
//! applied to the JSON of the resource as stored; the result is read again like a PUT
//! body, so a PATCH can reach no state a PUT could not.

use serde_json::{Map, Value};

use super::filter::{self, CompValue, Filter, Op};
use super::resource::canonical_body;
use super::schema::{self, Attr, Mutability};
use super::{GROUP_SCHEMA, PATCH_SCHEMA, ScimError, USER_SCHEMA};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Add,
    Remove,
    Replace,
}

/// Applies the operations of a PatchOp body to `current`.
pub fn apply(
    attrs: &[Attr],
    mut current: Map<String, Value>,
    body: &Value,
) -> Result<Map<String, Value>, ScimError> {
    let Value::Object(obj) = body else {
        return Err(ScimError::InvalidSyntax(
            "the body must be a JSON object".into(),
        ));
    };
    let field = |name: &str| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    };
    let is_patch = field("schemas")
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().any(|s| s.as_str() == Some(PATCH_SCHEMA)));
    if !is_patch {
        return Err(ScimError::InvalidSyntax(format!(
            "schemas must contain {PATCH_SCHEMA}"
        )));
    }
    let Some(Value::Array(ops)) = field("Operations") else {
        return Err(ScimError::InvalidSyntax("Operations must be a list".into()));
    };
    for op in ops {
        let get = |name: &str| {
            op.as_object().and_then(|o| {
                o.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v)
            })
        };
        // Entra ID capitalises the operation ("Replace").
        let kind = match get("op")
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("add") => Kind::Add,
            Some("remove") => Kind::Remove,
            Some("replace") => Kind::Replace,
            _ => {
                return Err(ScimError::InvalidSyntax(
                    "op must be add, remove or replace".into(),
                ));
            }
        };
        let value = get("value").cloned().unwrap_or(Value::Null);
        match get("path").and_then(Value::as_str) {
            Some(path) => apply_path(attrs, &mut current, kind, path, &value)?,
            None => apply_whole(attrs, &mut current, kind, &value)?,
        }
    }
    Ok(current)
}

/// An operation without a path: the value is an object of attributes.
fn apply_whole(
    attrs: &[Attr],
    current: &mut Map<String, Value>,
    kind: Kind,
    value: &Value,
) -> Result<(), ScimError> {
    if kind == Kind::Remove {
        return Err(ScimError::NoTarget("remove needs a path".into()));
    }
    let Value::Object(obj) = value else {
        return Err(ScimError::InvalidValue(
            "an operation without a path needs an object value".into(),
        ));
    };
    // Entra ID sends `{"name.givenName": "Ada"}` here: a key with a dot is a path.
    let (dotted, plain): (Map<_, _>, Map<_, _>) = obj
        .clone()
        .into_iter()
        .partition(|(k, _)| k.contains('.') && !k.to_ascii_lowercase().starts_with("urn:"));
    for (path, v) in &dotted {
        apply_path(attrs, current, kind, path, v)?;
    }
    for (key, v) in canonical_body(attrs, &Value::Object(plain))? {
        let attr = schema::find(attrs, &key).expect("canonical");
        match (kind, attr.multi, current.get_mut(&key)) {
            (Kind::Add, true, Some(Value::Array(existing))) => {
                add_items(existing, v);
            }
            (_, false, Some(Value::Object(existing))) if v.is_object() => {
                merge(existing, v);
            }
            _ => {
                current.insert(key, v);
            }
        }
    }
    Ok(())
}

fn merge(existing: &mut Map<String, Value>, v: Value) {
    if let Value::Object(sub) = v {
        existing.extend(sub);
    }
}

/// Appends the items not already there (same object, or same `value`).
fn add_items(existing: &mut Vec<Value>, v: Value) {
    for item in v.as_array().cloned().unwrap_or_default() {
        if !existing.iter().any(|e| same_item(&item, e)) {
            existing.push(item);
        }
    }
}

/// Whether `e` is `item`: the same object, or one with the same `value`.
fn same_item(item: &Value, e: &Value) -> bool {
    e == item || (item.get("value").is_some() && e.get("value") == item.get("value"))
}

fn canonical_one(attr: &Attr, value: &Value) -> Result<Value, ScimError> {
    let mut body = Map::new();
    body.insert(attr.name.to_owned(), value.clone());
    Ok(
        canonical_body(std::slice::from_ref(attr), &Value::Object(body))?
            .remove(attr.name)
            .unwrap_or(Value::Null),
    )
}

fn apply_path(
    attrs: &[Attr],
    current: &mut Map<String, Value>,
    kind: Kind,
    path: &str,
    value: &Value,
) -> Result<(), ScimError> {
    let target = resolve(attrs, path)?;
    match target.filter {
        Some(ref f) => apply_filtered(current, kind, &target, f, value),
        None => apply_unfiltered(current, kind, &target, value),
    }
}

/// What a PATCH path names: an attribute, perhaps some of its items, perhaps one of its
/// sub-attributes.
struct Target<'a> {
    path: &'a str,
    attr: &'a Attr,
    filter: Option<Filter>,
    sub: Option<&'static Attr>,
}

impl Target<'_> {
    fn matches_nothing(&self) -> ScimError {
        ScimError::NoTarget(format!("{} matches nothing", self.path))
    }

    fn no_such_sub(&self) -> ScimError {
        ScimError::InvalidPath(format!("{}: no such sub-attribute", self.path))
    }
}

fn resolve<'a>(attrs: &'a [Attr], path: &'a str) -> Result<Target<'a>, ScimError> {
    let (p, value_filter, sub_after) = filter::parse_patch_path(path)
        .map_err(|e| ScimError::InvalidPath(format!("{path}: {e}")))?;
    if let Some(urn) = &p.urn
        && !urn.eq_ignore_ascii_case(USER_SCHEMA)
        && !urn.eq_ignore_ascii_case(GROUP_SCHEMA)
    {
        return Err(ScimError::InvalidPath(format!("{path}: unknown schema")));
    }
    let attr = schema::find(attrs, &p.attr)
        .ok_or_else(|| ScimError::InvalidPath(format!("{path}: no such attribute")))?;
    if attr.mutability == Mutability::ReadOnly {
        return Err(ScimError::Mutability(format!("{} is read-only", attr.name)));
    }
    let mut target = Target {
        path,
        attr,
        filter: None,
        sub: None,
    };
    if let Some(name) = p.sub.as_deref().or(sub_after.as_deref()) {
        target.sub = Some(sub_attr(attr, name).ok_or_else(|| target.no_such_sub())?);
    }
    if value_filter.is_some() && !attr.multi {
        return Err(ScimError::InvalidPath(format!(
            "{path}: {} is not multi-valued",
            attr.name
        )));
    }
    target.filter = value_filter;
    Ok(target)
}

fn sub_attr(attr: &Attr, name: &str) -> Option<&'static Attr> {
    attr.sub.iter().find(|s| s.name.eq_ignore_ascii_case(name))
}

/// An operation on the items of a multi-valued attribute that `f` matches.
fn apply_filtered(
    current: &mut Map<String, Value>,
    kind: Kind,
    target: &Target,
    f: &Filter,
    value: &Value,
) -> Result<(), ScimError> {
    let key = target.attr.name.to_owned();
    let items = match current.get_mut(&key) {
        Some(Value::Array(items)) => items,
        _ => {
            current.insert(key.clone(), Value::Array(Vec::new()));
            current
                .get_mut(&key)
                .and_then(Value::as_array_mut)
                .expect("just inserted")
        }
    };
    let mut hits = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if matches(f, item).map_err(|e| ScimError::InvalidPath(format!("{}: {e}", target.path)))? {
            hits.push(i);
        }
    }
    match (kind, target.sub) {
        (Kind::Remove, None) => {
            if hits.is_empty() {
                return Err(target.matches_nothing());
            }
            for i in hits.into_iter().rev() {
                items.remove(i);
            }
        }
        (Kind::Remove, Some(sub)) => {
            if hits.is_empty() {
                return Err(target.matches_nothing());
            }
            for i in hits {
                if let Some(o) = items[i].as_object_mut() {
                    o.remove(sub.name);
                }
            }
        }
        (_, Some(sub)) => set_sub_of_hits(items, &hits, target, f, sub, value)?,
        (_, None) => {
            if hits.is_empty() {
                return Err(target.matches_nothing());
            }
            let v = canonical_one(target.attr, value)?;
            let first = v.as_array().and_then(|a| a.first()).cloned().unwrap_or(v);
            for i in hits {
                if let (Some(o), Value::Object(new)) = (items[i].as_object_mut(), &first) {
                    o.extend(new.clone());
                }
            }
        }
    }
    Ok(())
}

/// Sets sub-attribute `sub` of the items at `hits`, or of a new item when none matched.
fn set_sub_of_hits(
    items: &mut Vec<Value>,
    hits: &[usize],
    target: &Target,
    f: &Filter,
    sub: &Attr,
    value: &Value,
) -> Result<(), ScimError> {
    let v = canonical_one(sub, value)?;
    if hits.is_empty() {
        // `emails[type eq "work"].value` on a user with no work address
        // makes one (what Entra ID expects of it).
        let Some((fk, fv)) = f.equality() else {
            return Err(target.matches_nothing());
        };
        let fsub = sub_attr(target.attr, fk).ok_or_else(|| target.no_such_sub())?;
        let mut o = Map::new();
        o.insert(fsub.name.to_owned(), Value::String(fv.to_owned()));
        o.insert(sub.name.to_owned(), v);
        items.push(Value::Object(o));
    } else {
        for &i in hits {
            if let Some(o) = items[i].as_object_mut() {
                o.insert(sub.name.to_owned(), v.clone());
            }
        }
    }
    Ok(())
}

/// An operation on the whole attribute, or on a sub-attribute of it (of every item, if
/// it is multi-valued).
fn apply_unfiltered(
    current: &mut Map<String, Value>,
    kind: Kind,
    target: &Target,
    value: &Value,
) -> Result<(), ScimError> {
    let attr = target.attr;
    let key = attr.name.to_owned();
    match (kind, target.sub) {
        (Kind::Remove, None) => {
            // Entra ID removes members with `path: members` and the members as the value.
            if attr.multi && !value.is_null() {
                let gone = canonical_one(attr, value)?;
                let gone = gone.as_array().cloned().unwrap_or_default();
                if let Some(Value::Array(items)) = current.get_mut(&key) {
                    items.retain(|e| !gone.iter().any(|g| same_item(g, e)));
                }
            } else {
                current.remove(&key);
            }
        }
        (Kind::Remove, Some(sub)) => match current.get_mut(&key) {
            Some(Value::Object(o)) => {
                o.remove(sub.name);
            }
            Some(Value::Array(items)) => {
                for item in items {
                    if let Some(o) = item.as_object_mut() {
                        o.remove(sub.name);
                    }
                }
            }
            _ => {}
        },
        (_, Some(sub)) => {
            let v = canonical_one(sub, value)?;
            match current.get_mut(&key) {
                Some(Value::Array(items)) => {
                    for item in items {
                        if let Some(o) = item.as_object_mut() {
                            o.insert(sub.name.to_owned(), v.clone());
                        }
                    }
                }
                Some(Value::Object(o)) => {
                    o.insert(sub.name.to_owned(), v);
                }
                _ => {
                    if attr.multi {
                        return Err(target.matches_nothing());
                    }
                    let mut o = Map::new();
                    o.insert(sub.name.to_owned(), v);
                    current.insert(key, Value::Object(o));
                }
            }
        }
        (kind, None) => {
            let v = canonical_one(attr, value)?;
            match (kind, attr.multi, current.get_mut(&key)) {
                (Kind::Add, true, Some(Value::Array(items))) => add_items(items, v),
                (_, false, Some(Value::Object(o))) if v.is_object() => merge(o, v),
                (_, _, _) if v.is_null() => {
                    current.remove(&key);
                }
                _ => {
                    current.insert(key, v);
                }
            }
        }
    }
    Ok(())
}

/// Whether a multi-valued attribute's item matches a value filter (its attribute names
/// are the item's sub-attributes). Strings compare without regard to case.
fn matches(f: &Filter, item: &Value) -> Result<bool, String> {
    let get = |name: &str| {
        item.as_object().and_then(|o| {
            o.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v)
        })
    };
    Ok(match f {
        Filter::And(a, b) => matches(a, item)? && matches(b, item)?,
        Filter::Or(a, b) => matches(a, item)? || matches(b, item)?,
        Filter::Not(a) => !matches(a, item)?,
        Filter::Present(p) => get(&p.attr).is_some_and(|v| !v.is_null()),
        Filter::Compare(p, op, value) => {
            let have = get(&p.attr);
            match (have, value) {
                (Some(Value::String(h)), CompValue::Str(w)) => {
                    let (h, w) = (h.to_lowercase(), w.to_lowercase());
                    match op {
                        Op::Eq => h == w,
                        Op::Ne => h != w,
                        Op::Co => h.contains(&w),
                        Op::Sw => h.starts_with(&w),
                        Op::Ew => h.ends_with(&w),
                        _ => return Err("only eq, ne, co, sw and ew compare strings here".into()),
                    }
                }
                (Some(Value::Bool(h)), CompValue::Bool(w)) => match op {
                    Op::Eq => h == w,
                    Op::Ne => h != w,
                    _ => return Err("booleans compare with eq or ne".into()),
                },
                (None, _) => *op == Op::Ne,
                _ => false,
            }
        }
        Filter::ValuePath(..) => return Err("a value filter cannot nest".into()),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::scim::schema::{GROUP_ATTRS, USER_ATTRS};

    fn ops(ops: Value) -> Value {
        json!({ "schemas": [PATCH_SCHEMA], "Operations": ops })
    }

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn members_are_added_and_removed_by_path_filter_and_by_value() {
        let group = obj(json!({ "displayName": "hr", "members": [{ "value": "a" }] }));
        let added = apply(
            GROUP_ATTRS,
            group,
            &ops(json!([
                { "op": "add", "path": "members", "value": [{ "value": "b" }, { "value": "a" }] }
            ])),
        )
        .unwrap();
        assert_eq!(
            added["members"],
            json!([{ "value": "a" }, { "value": "b" }])
        );
        let removed = apply(
            GROUP_ATTRS,
            added.clone(),
            &ops(json!([
                { "op": "remove", "path": "members[value eq \"a\"]" }
            ])),
        )
        .unwrap();
        assert_eq!(removed["members"], json!([{ "value": "b" }]));
        let removed = apply(
            GROUP_ATTRS,
            added,
            &ops(json!([
                { "op": "Remove", "path": "members", "value": [{ "value": "b" }] }
            ])),
        )
        .unwrap();
        assert_eq!(removed["members"], json!([{ "value": "a" }]));
    }

    #[test]
    fn active_is_replaced_by_path_or_by_value_including_entra_strings() {
        let user = obj(json!({ "userName": "ada", "active": true }));
        let off = apply(
            USER_ATTRS,
            user.clone(),
            &ops(json!([
                { "op": "Replace", "path": "active", "value": "False" }
            ])),
        )
        .unwrap();
        assert_eq!(off["active"], json!(false));
        let off = apply(
            USER_ATTRS,
            user,
            &ops(json!([
                { "op": "replace", "value": { "active": false, "name.givenName": "Ada" } }
            ])),
        )
        .unwrap();
        assert_eq!(off["active"], json!(false));
        assert_eq!(off["name"], json!({ "givenName": "Ada" }));
    }

    #[test]
    fn a_filtered_path_with_no_match_makes_the_item_entra_id_asks_for() {
        let user = obj(json!({ "userName": "ada" }));
        let out = apply(USER_ATTRS, user, &ops(json!([
            { "op": "replace", "path": "emails[type eq \"work\"].value", "value": "ada@example.com" }
        ]))).unwrap();
        assert_eq!(
            out["emails"],
            json!([{ "type": "work", "value": "ada@example.com" }])
        );
    }

    #[test]
    fn unknown_paths_read_only_attributes_and_bad_operations_are_refused() {
        let user = obj(json!({ "userName": "ada" }));
        let err = |o: Value| apply(USER_ATTRS, user.clone(), &ops(o)).unwrap_err();
        assert!(matches!(
            err(json!([{ "op": "add", "path": "nickName", "value": "x" }])),
            ScimError::InvalidPath(_)
        ));
        assert!(matches!(
            err(json!([{ "op": "add", "path": "name.middleName", "value": "x" }])),
            ScimError::InvalidPath(_)
        ));
        assert!(matches!(
            err(json!([{ "op": "add", "path": "groups", "value": [] }])),
            ScimError::Mutability(_)
        ));
        assert!(matches!(
            err(json!([{ "op": "remove" }])),
            ScimError::NoTarget(_)
        ));
        assert!(matches!(
            err(json!([{ "op": "move", "path": "userName" }])),
            ScimError::InvalidSyntax(_)
        ));
        assert!(matches!(
            err(json!([{ "op": "remove", "path": "emails[type eq \"home\"]" }])),
            ScimError::NoTarget(_)
        ));
        let not_patch = apply(USER_ATTRS, user.clone(), &json!({ "Operations": [] })).unwrap_err();
        assert!(matches!(not_patch, ScimError::InvalidSyntax(_)));
    }
}
