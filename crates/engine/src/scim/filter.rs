//! The SCIM filter grammar (RFC 7644 §3.4.2.2), parsed whole so that a filter is either
//! malformed or well-formed-but-unsupported, both answered 400 `invalidFilter`. Written
//! here rather than taken from crates.io: `scim-filter` 0.2 (last released January 2024)
//! brings nom 7, rust_decimal and thiserror 1 and filters serialized collections in
//! memory instead of handing back a tree to query the database with; `scim_v2` 0.4 has a
//! filter module inside a whole resource model (and its URI dependencies) that Vouch would
//! not use. The grammar is small. Only `attr eq "string"` on the attributes the contract
//! names is evaluated; see [`Filter::equality`].

use std::fmt;

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

/// A comparison value: JSON's `false`, `null`, `true`, number or string.
#[derive(Clone, Debug, PartialEq)]
pub enum CompValue {
    Bool(bool),
    Null,
    Number(String),
    Str(String),
}

/// An attribute path: optional schema URN, attribute, optional sub-attribute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttrPath {
    pub urn: Option<String>,
    pub attr: String,
    pub sub: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Filter {
    Present(AttrPath),
    Compare(AttrPath, Op, CompValue),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    /// `emails[type eq "work" and value co "@example.com"]`
    ValuePath(AttrPath, Box<Filter>),
}

/// Why a filter could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilterError(pub String);

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Filter {
    /// `(attribute, value)` when the filter is `attribute eq "value"` with a plain
    /// attribute (no sub-attribute): the only form the list endpoints evaluate.
    pub fn equality(&self) -> Option<(&str, &str)> {
        match self {
            Filter::Compare(path, Op::Eq, CompValue::Str(v)) if path.sub.is_none() => {
                Some((path.attr.as_str(), v.as_str()))
            }
            _ => None,
        }
    }
}

/// Parses a whole filter.
pub fn parse(input: &str) -> Result<Filter, FilterError> {
    let mut p = Parser { s: input, i: 0 };
    let f = p.or_expr()?;
    p.ws();
    if p.i != p.s.len() {
        return Err(p.err("unexpected text"));
    }
    Ok(f)
}

/// Parses an attribute path as PATCH uses it: `attr`, `attr.sub`, `attr[filter]` or
/// `attr[filter].sub` (RFC 7644 §3.5.2). Returns the path, the value filter if any, and
/// the sub-attribute after it.
pub fn parse_patch_path(
    input: &str,
) -> Result<(AttrPath, Option<Filter>, Option<String>), FilterError> {
    let mut p = Parser { s: input, i: 0 };
    p.ws();
    let path = p.attr_path()?;
    let mut filter = None;
    let mut sub = None;
    if p.eat("[") {
        if path.sub.is_some() {
            return Err(p.err("a value filter follows an attribute, not a sub-attribute"));
        }
        filter = Some(p.or_expr()?);
        p.ws();
        if !p.eat("]") {
            return Err(p.err("expected ]"));
        }
        if p.eat(".") {
            sub = Some(p.name()?);
        }
    }
    p.ws();
    if p.i != p.s.len() {
        return Err(p.err("unexpected text"));
    }
    Ok((path, filter, sub))
}

struct Parser<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Parser<'a> {
    fn err(&self, what: &str) -> FilterError {
        FilterError(format!("{what} at character {}", self.i + 1))
    }

    fn rest(&self) -> &'a str {
        &self.s[self.i..]
    }

    fn ws(&mut self) {
        let trimmed = self.rest().trim_start_matches([' ', '\t', '\n', '\r']);
        self.i = self.s.len() - trimmed.len();
    }

    fn eat(&mut self, token: &str) -> bool {
        if self.rest().starts_with(token) {
            self.i += token.len();
            true
        } else {
            false
        }
    }

    /// A keyword (case-insensitive) followed by a space or `(`.
    fn keyword(&mut self, word: &str) -> bool {
        let rest = self.rest();
        if rest.len() >= word.len()
            && rest.is_char_boundary(word.len())
            && rest[..word.len()].eq_ignore_ascii_case(word)
            && rest[word.len()..]
                .chars()
                .next()
                .is_some_and(|c| c == ' ' || c == '(')
        {
            self.i += word.len();
            true
        } else {
            false
        }
    }

    fn or_expr(&mut self) -> Result<Filter, FilterError> {
        let mut left = self.and_expr()?;
        loop {
            let save = self.i;
            self.ws();
            if self.keyword("or") {
                let right = self.and_expr()?;
                left = Filter::Or(Box::new(left), Box::new(right));
            } else {
                self.i = save;
                return Ok(left);
            }
        }
    }

    fn and_expr(&mut self) -> Result<Filter, FilterError> {
        let mut left = self.unary()?;
        loop {
            let save = self.i;
            self.ws();
            if self.keyword("and") {
                let right = self.unary()?;
                left = Filter::And(Box::new(left), Box::new(right));
            } else {
                self.i = save;
                return Ok(left);
            }
        }
    }

    fn unary(&mut self) -> Result<Filter, FilterError> {
        self.ws();
        if self.keyword("not") {
            self.ws();
            if !self.eat("(") {
                return Err(self.err("expected ( after not"));
            }
            let inner = self.or_expr()?;
            self.ws();
            if !self.eat(")") {
                return Err(self.err("expected )"));
            }
            return Ok(Filter::Not(Box::new(inner)));
        }
        if self.eat("(") {
            let inner = self.or_expr()?;
            self.ws();
            if !self.eat(")") {
                return Err(self.err("expected )"));
            }
            return Ok(inner);
        }
        let path = self.attr_path()?;
        if self.eat("[") {
            let inner = self.or_expr()?;
            self.ws();
            if !self.eat("]") {
                return Err(self.err("expected ]"));
            }
            return Ok(Filter::ValuePath(path, Box::new(inner)));
        }
        if !self.eat(" ") {
            return Err(self.err("expected an operator"));
        }
        self.ws();
        if self.keyword_end("pr") {
            return Ok(Filter::Present(path));
        }
        let op = self.op()?;
        if !self.eat(" ") {
            return Err(self.err("expected a value"));
        }
        self.ws();
        let value = self.value()?;
        Ok(Filter::Compare(path, op, value))
    }

    /// `pr`, which may end the filter or be followed by a space, `)` or `]`.
    fn keyword_end(&mut self, word: &str) -> bool {
        let rest = self.rest();
        if rest.len() >= word.len()
            && rest[..word.len()].eq_ignore_ascii_case(word)
            && rest[word.len()..]
                .chars()
                .next()
                .is_none_or(|c| matches!(c, ' ' | ')' | ']'))
        {
            self.i += word.len();
            true
        } else {
            false
        }
    }

    fn op(&mut self) -> Result<Op, FilterError> {
        let rest = self.rest();
        let word = rest
            .get(..2)
            .ok_or_else(|| self.err("expected an operator"))?;
        let op = match word.to_ascii_lowercase().as_str() {
            "eq" => Op::Eq,
            "ne" => Op::Ne,
            "co" => Op::Co,
            "sw" => Op::Sw,
            "ew" => Op::Ew,
            "gt" => Op::Gt,
            "ge" => Op::Ge,
            "lt" => Op::Lt,
            "le" => Op::Le,
            _ => return Err(self.err("unknown operator")),
        };
        self.i += 2;
        Ok(op)
    }

    fn value(&mut self) -> Result<CompValue, FilterError> {
        let rest = self.rest();
        if rest.starts_with('"') {
            // A JSON string: find its end, honouring escapes, and let serde unescape it.
            let bytes = rest.as_bytes();
            let mut j = 1;
            while j < bytes.len() {
                match bytes[j] {
                    b'\\' => j += 2,
                    b'"' => break,
                    _ => j += 1,
                }
            }
            if j >= bytes.len() {
                return Err(self.err("unterminated string"));
            }
            let s: String =
                serde_json::from_str(&rest[..=j]).map_err(|_| self.err("malformed string"))?;
            self.i += j + 1;
            return Ok(CompValue::Str(s));
        }
        for (word, value) in [
            ("true", CompValue::Bool(true)),
            ("false", CompValue::Bool(false)),
            ("null", CompValue::Null),
        ] {
            if self.keyword_end(word) {
                return Ok(value);
            }
        }
        let len = rest
            .find(|c: char| !(c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E')))
            .unwrap_or(rest.len());
        if len > 0 && rest[..len].parse::<f64>().is_ok() {
            self.i += len;
            return Ok(CompValue::Number(rest[..len].to_owned()));
        }
        Err(self.err("expected a value"))
    }

    fn name(&mut self) -> Result<String, FilterError> {
        let rest = self.rest();
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$'))
            .unwrap_or(rest.len());
        if len == 0 || !rest.starts_with(|c: char| c.is_ascii_alphabetic() || c == '$') {
            return Err(self.err("expected an attribute name"));
        }
        self.i += len;
        Ok(rest[..len].to_owned())
    }

    /// `[URI ":"] ATTRNAME ["." subAttr]`. A URN prefix is everything up to the last `:`
    /// before the attribute name (`urn:ietf:params:scim:schemas:core:2.0:User:userName`).
    fn attr_path(&mut self) -> Result<AttrPath, FilterError> {
        self.ws();
        let rest = self.rest();
        let mut urn = None;
        if rest.len() >= 4 && rest[..4].eq_ignore_ascii_case("urn:") {
            let end = rest.find([' ', '[', '(', ')', ']']).unwrap_or(rest.len());
            let token = &rest[..end];
            let colon = token.rfind(':').ok_or_else(|| self.err("malformed URN"))?;
            // `...:2.0:User:name.givenName`: the URN ends before the attribute.
            urn = Some(token[..colon].to_owned());
            self.i += colon + 1;
        }
        let attr = self.name()?;
        let sub = if self.rest().starts_with('.') {
            self.i += 1;
            Some(self.name()?)
        } else {
            None
        };
        Ok(AttrPath { urn, attr, sub })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(attr: &str) -> AttrPath {
        AttrPath {
            urn: None,
            attr: attr.into(),
            sub: None,
        }
    }

    #[test]
    fn every_example_filter_of_rfc_7644_parses() {
        // RFC 7644 §3.4.2.2, the examples in order.
        for example in [
            r#"userName Eq "john""#,
            r#"userName eq "bjensen""#,
            r#"name.familyName co "O'Malley""#,
            r#"userName sw "J""#,
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
            "title pr",
            r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
            r#"meta.lastModified ge "2011-05-13T04:42:34Z""#,
            r#"meta.lastModified lt "2011-05-13T04:42:34Z""#,
            r#"meta.lastModified le "2011-05-13T04:42:34Z""#,
            r#"title pr and userType eq "Employee""#,
            r#"title pr or userType eq "Intern""#,
            r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
            r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
            r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
            r#"userType eq "Employee" and (emails.type eq "work")"#,
            r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
            r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
        ] {
            assert!(parse(example).is_ok(), "{example}: {:?}", parse(example));
        }
    }

    #[test]
    fn an_equality_filter_names_its_attribute_and_value() {
        let f = parse(r#"userName Eq "john""#).unwrap();
        assert_eq!(f.equality(), Some(("userName", "john")));
        let f = parse(r#"externalId eq "a \"quoted\" id""#).unwrap();
        assert_eq!(f.equality(), Some(("externalId", "a \"quoted\" id")));
    }

    #[test]
    fn precedence_puts_and_before_or_and_keeps_not_and_groups() {
        let f = parse(r#"a eq "1" or b eq "2" and c pr"#).unwrap();
        let Filter::Or(left, right) = f else {
            panic!("or at the top")
        };
        assert_eq!(
            *left,
            Filter::Compare(path("a"), Op::Eq, CompValue::Str("1".into()))
        );
        assert!(matches!(*right, Filter::And(..)));
        let f = parse(r#"not (a eq true)"#).unwrap();
        assert_eq!(
            f,
            Filter::Not(Box::new(Filter::Compare(
                path("a"),
                Op::Eq,
                CompValue::Bool(true)
            )))
        );
    }

    #[test]
    fn a_urn_prefix_is_split_from_the_attribute() {
        let f =
            parse(r#"urn:ietf:params:scim:schemas:core:2.0:User:name.givenName eq "x""#).unwrap();
        let Filter::Compare(p, ..) = f else { panic!() };
        assert_eq!(
            p.urn.as_deref(),
            Some("urn:ietf:params:scim:schemas:core:2.0:User")
        );
        assert_eq!(p.attr, "name");
        assert_eq!(p.sub.as_deref(), Some("givenName"));
    }

    #[test]
    fn malformed_filters_are_refused() {
        for bad in [
            "",
            "userName",
            r#"userName eq"#,
            r#"userName eq john"#,
            r#"userName equals "john""#,
            r#"userName eq "john"#,
            r#"(userName eq "john""#,
            r#"userName eq "john" and"#,
            r#"emails[type eq "work""#,
            r#"userName eq "john" extra"#,
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn patch_paths_of_rfc_7644_parse() {
        // RFC 7644 §3.5.2 examples, and the shapes Entra ID and Okta send.
        let (p, f, s) = parse_patch_path("members").unwrap();
        assert_eq!((p.attr.as_str(), f, s), ("members", None, None));
        let (p, _, _) = parse_patch_path("name.familyName").unwrap();
        assert_eq!(p.sub.as_deref(), Some("familyName"));
        let (p, f, _) =
            parse_patch_path(r#"members[value eq "2819c223-7f76-453a-919d-413861904646"]"#)
                .unwrap();
        assert_eq!(p.attr, "members");
        assert_eq!(
            f.unwrap().equality(),
            Some(("value", "2819c223-7f76-453a-919d-413861904646"))
        );
        let (_, f, s) = parse_patch_path(r#"emails[type eq "work"].value"#).unwrap();
        assert!(f.is_some());
        assert_eq!(s.as_deref(), Some("value"));
        let (p, _, _) =
            parse_patch_path("urn:ietf:params:scim:schemas:core:2.0:User:active").unwrap();
        assert_eq!(p.attr, "active");
        assert!(parse_patch_path("members[value eq").is_err());
        assert!(parse_patch_path("a b").is_err());
    }
}
