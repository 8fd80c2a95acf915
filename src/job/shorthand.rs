//! The AWS CLI's shorthand syntax for structured parameters, e.g.
//! `s3InputDataConfig={s3Uri=s3://b/in/,s3InputFormat=JSONL}` or `key=team,value=ml`.
//!
//! This is a port of the AWS CLI's own parser (`awscli/shorthand.py`: `ShorthandParser` and
//! `BackCompatVisitor`), so a value that the `aws` command accepts parses to the same JSON here,
//! and one it rejects is rejected here too. The grammar, from that module:
//!
//! ```text
//! parameter      = keyval *("," keyval)
//! keyval         = key "=" [values] / key "@=" [file-optional-values]
//! key            = 1*(ALPHA / DIGIT / "-" / "_" / "." / "#" / "/" / ":")
//! values         = csv-list / explicit-list / hash-literal
//! csv-list       = first-value *("," second-value)      ; one element: a scalar
//! explicit-list  = "[" [value *("," value)] "]"
//! hash-literal   = "{" keyval *("," keyval) "}"
//! value          = unquoted / 'single quoted' / "double quoted"
//! ```
//!
//! Quoting rules (as the AWS CLI has them): inside single quotes `\'` is a quote and `\\` a
//! backslash; inside double quotes the same with `"`; in an unquoted value `\,` is a literal
//! comma, trailing whitespace is dropped, and an unquoted second list element cannot contain `=`
//! (that is how `a=1,2,b=3` splits into `a=[1,2]` and `b=3`). The parse is purely syntactic;
//! [`coerce`] then applies the service model, turning a scalar given for a list into a
//! one-element list and numbers given for integer members into numbers.

use std::fmt;

use serde_json::{Map, Value};

use super::constraints::Shape;

/// A shorthand value the parser could not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShorthandError {
    message: String,
}

impl ShorthandError {
    fn syntax(input: &str, expected: &str, actual: &str, index: usize) -> Self {
        let column = input[..index.min(input.len())].chars().count() + 1;
        ShorthandError {
            message: format!(
                "Expected: '{expected}', received: '{actual}' for input: {input} (at character {column})"
            ),
        }
    }
}

impl fmt::Display for ShorthandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ShorthandError {}

/// Loads the target of a `key@=file://path` value. Returns the file's text, or `None` when the
/// value is not a `file://` reference (it is then kept as written).
pub type ParamFileResolver<'a> = &'a dyn Fn(&str) -> Result<Option<String>, String>;

/// Parses one shorthand value into a JSON object. `key@=file://…` values are kept literally;
/// use [`parse_with_files`] to load them. (The unit tests' form; the request reader uses
/// [`parse_with_files`].)
#[cfg(test)]
pub fn parse(input: &str) -> Result<Map<String, Value>, ShorthandError> {
    Parser::new(input, None).parameter()
}

/// Parses one shorthand value, loading `key@=file://…` values through `resolve`.
pub fn parse_with_files(
    input: &str,
    resolve: ParamFileResolver<'_>,
) -> Result<Map<String, Value>, ShorthandError> {
    Parser::new(input, Some(resolve)).parameter()
}

struct Parser<'a> {
    input: &'a str,
    chars: Vec<(usize, char)>,
    pos: usize,
    resolve: Option<ParamFileResolver<'a>>,
    resolve_files: bool,
}

/// Characters allowed in a key: `[a-zA-Z0-9\-_.#/:]`.
fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '#' | '/' | ':')
}

// The AWS CLI's character classes are ranges up to U+FFFF; characters beyond the Basic
// Multilingual Plane are outside them, so they are here too.

/// First character of an unquoted value: `[!#-&(-+\--<>-Z\\-z|-\uffff]`: not whitespace, `"`,
/// `'`, `,`, `=`, `[` or `{`.
fn is_start_char(c: char) -> bool {
    let n = c as u32;
    matches!(n, 0x21 | 0x23..=0x26 | 0x28..=0x2B | 0x2D..=0x3C | 0x3E..=0x5A | 0x5C..=0x7A | 0x7C..=0xFFFF)
}

/// Following characters of a first value: `[\s!#-&(-+\--\\^-|~-\uffff]`: anything but `"`, `'`,
/// `,`, `]` and `}` (whitespace and `=` allowed).
fn is_first_follow_char(c: char) -> bool {
    let n = c as u32;
    c.is_whitespace()
        || matches!(n, 0x21 | 0x23..=0x26 | 0x28..=0x2B | 0x2D..=0x5C | 0x5E..=0x7C | 0x7E..=0xFFFF)
}

/// Following characters of a second list value: `[\s!#-&(-+\--<>-\uffff]`: anything but `"`,
/// `'`, `,` and `=`.
fn is_second_follow_char(c: char) -> bool {
    let n = c as u32;
    c.is_whitespace() || matches!(n, 0x21 | 0x23..=0x26 | 0x28..=0x2B | 0x2D..=0x3C | 0x3E..=0xFFFF)
}

/// Python's `string.whitespace`, which the CLI skips between tokens.
fn is_skippable_whitespace(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

impl<'a> Parser<'a> {
    fn new(input: &'a str, resolve: Option<ParamFileResolver<'a>>) -> Self {
        Parser {
            input,
            chars: input.char_indices().collect(),
            pos: 0,
            resolve,
            resolve_files: false,
        }
    }

    fn at_eof(&self) -> bool {
        self.pos >= self.chars.len()
    }

    fn current(&self) -> Option<char> {
        self.chars.get(self.pos).map(|&(_, c)| c)
    }

    fn byte_index(&self) -> usize {
        self.chars
            .get(self.pos)
            .map_or(self.input.len(), |&(i, _)| i)
    }

    fn error(&self, expected: &str) -> ShorthandError {
        let actual = match self.current() {
            None => "EOF".to_owned(),
            Some(c) => c.to_string(),
        };
        ShorthandError::syntax(self.input, expected, &actual, self.byte_index())
    }

    fn consume_whitespace(&mut self) {
        while self.current().is_some_and(is_skippable_whitespace) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, c: char, consume_whitespace: bool) -> Result<(), ShorthandError> {
        if consume_whitespace {
            self.consume_whitespace();
        }
        if self.current() != Some(c) {
            return Err(self.error(&c.to_string()));
        }
        self.pos += 1;
        if consume_whitespace {
            self.consume_whitespace();
        }
        Ok(())
    }

    /// `parameter = keyval *("," keyval)`; a key given twice is an error (usually a `,` where a
    /// space was meant between two list elements).
    fn parameter(&mut self) -> Result<Map<String, Value>, ShorthandError> {
        let mut params = Map::new();
        let (key, value) = self.keyval()?;
        params.insert(key, value);
        while !self.at_eof() {
            self.expect(',', true)?;
            let start = self.byte_index();
            let (key, value) = self.keyval()?;
            if params.contains_key(&key) {
                let column = self.input[..start].chars().count() + 1;
                return Err(ShorthandError {
                    message: format!(
                        "Second instance of key \"{key}\" encountered for input: {} (at character {column}). \
                         This is often because there is a preceding \",\" instead of a space.",
                        self.input
                    ),
                });
            }
            params.insert(key, value);
        }
        Ok(params)
    }

    fn keyval(&mut self) -> Result<(String, Value), ShorthandError> {
        let key = self.key();
        self.resolve_files = false;
        self.consume_whitespace();
        if self.current() == Some('@') {
            self.pos += 1;
            self.consume_whitespace();
            self.resolve_files = true;
        }
        self.expect('=', true)?;
        let value = self.values()?;
        Ok((key, value))
    }

    fn key(&mut self) -> String {
        let start = self.pos;
        while self.current().is_some_and(is_key_char) {
            self.pos += 1;
        }
        self.slice(start, self.pos)
    }

    fn slice(&self, from: usize, to: usize) -> String {
        self.chars[from..to].iter().map(|&(_, c)| c).collect()
    }

    fn values(&mut self) -> Result<Value, ShorthandError> {
        match self.current() {
            None => Ok(Value::String(String::new())),
            Some('[') => self.explicit_list(),
            Some('{') => self.hash_literal(),
            Some(_) => self.csv_value(),
        }
    }

    /// `foo=bar` is a scalar, `foo=bar,baz` a list; a list ends where an element turns out to be
    /// the next `key=`.
    fn csv_value(&mut self) -> Result<Value, ShorthandError> {
        let first = self.first_value()?;
        self.consume_whitespace();
        if self.current() != Some(',') {
            return Ok(Value::String(first));
        }
        self.expect(',', true)?;
        let mut list = vec![first];
        loop {
            let attempt = self.second_value().and_then(|current| {
                self.consume_whitespace();
                if self.at_eof() {
                    return Ok((current, true));
                }
                self.expect(',', true)?;
                Ok((current, false))
            });
            match attempt {
                Ok((current, done)) => {
                    list.push(current);
                    if done {
                        break;
                    }
                }
                Err(e) => {
                    if self.at_eof() {
                        return Err(e);
                    }
                    // Back up to the comma before the `key=` that ended the list.
                    while self.pos > 0 && self.current() != Some(',') {
                        self.pos -= 1;
                    }
                    break;
                }
            }
        }
        if list.len() == 1 {
            return Ok(Value::String(list.swap_remove(0)));
        }
        Ok(Value::Array(list.into_iter().map(Value::String).collect()))
    }

    fn explicit_list(&mut self) -> Result<Value, ShorthandError> {
        self.expect('[', true)?;
        let mut values = Vec::new();
        while self.current() != Some(']') {
            values.push(self.explicit_value()?);
            self.consume_whitespace();
            if self.current() != Some(']') {
                self.expect(',', false)?;
                self.consume_whitespace();
            }
        }
        self.expect(']', false)?;
        Ok(Value::Array(values))
    }

    fn explicit_value(&mut self) -> Result<Value, ShorthandError> {
        match self.current() {
            Some('[') => self.explicit_list(),
            Some('{') => self.hash_literal(),
            _ => self.first_value().map(Value::String),
        }
    }

    fn hash_literal(&mut self) -> Result<Value, ShorthandError> {
        self.expect('{', true)?;
        let mut map = Map::new();
        while self.current() != Some('}') {
            let key = self.key();
            self.resolve_files = false;
            self.consume_whitespace();
            if self.current() == Some('@') {
                self.pos += 1;
                self.consume_whitespace();
                self.resolve_files = true;
            }
            self.expect('=', true)?;
            let value = self.explicit_value()?;
            self.consume_whitespace();
            if self.current() != Some('}') {
                self.expect(',', false)?;
                self.consume_whitespace();
            }
            map.insert(key, value);
        }
        self.expect('}', false)?;
        Ok(Value::Object(map))
    }

    fn first_value(&mut self) -> Result<String, ShorthandError> {
        match self.current() {
            Some('\'') => self.quoted('\''),
            Some('"') => self.quoted('"'),
            _ => {
                let raw = self.unquoted(is_first_follow_char).unwrap_or_default();
                self.finish_unquoted(raw)
            }
        }
    }

    fn second_value(&mut self) -> Result<String, ShorthandError> {
        match self.current() {
            Some('\'') => self.quoted('\''),
            Some('"') => self.quoted('"'),
            _ => match self.unquoted(is_second_follow_char) {
                Some(raw) => self.finish_unquoted(raw),
                None => Err(self.error("<second>")),
            },
        }
    }

    /// Matches `(\\,|[start])(\\,|[follow])*` at the current position.
    fn unquoted(&mut self, follow: fn(char) -> bool) -> Option<String> {
        let start = self.pos;
        let mut first = true;
        loop {
            let c = self.current();
            let next = self.chars.get(self.pos + 1).map(|&(_, c)| c);
            if c == Some('\\') && next == Some(',') {
                self.pos += 2;
            } else if c.is_some_and(|c| if first { is_start_char(c) } else { follow(c) }) {
                self.pos += 1;
            } else {
                break;
            }
            first = false;
        }
        (self.pos > start).then(|| self.slice(start, self.pos))
    }

    fn finish_unquoted(&self, raw: String) -> Result<String, ShorthandError> {
        let text = raw.replace("\\,", ",").trim_end().to_owned();
        self.maybe_resolve(text)
    }

    /// A quoted value: the longest run up to a closing quote in which every quote character is
    /// escaped with a backslash (what the CLI's `'(?:\\'|[^'])*'` regex matches).
    fn quoted(&mut self, quote: char) -> Result<String, ShorthandError> {
        let start = self.pos;
        let mut close = None;
        let mut i = self.pos + 1;
        while i < self.chars.len() {
            if self.chars[i].1 == quote {
                let escaped = self.chars[i - 1].1 == '\\' && i - 1 > start;
                close = Some(i);
                if !escaped {
                    break;
                }
            }
            i += 1;
        }
        let Some(close) = close else {
            let name = if quote == '\'' {
                "singled quoted"
            } else {
                "double quoted"
            };
            return Err(self.error(&format!("<{name}>")));
        };
        let inner = self.slice(start + 1, close);
        self.pos = close + 1;
        let text = inner
            .replace(&format!("\\{quote}"), &quote.to_string())
            .replace("\\\\", "\\");
        self.maybe_resolve(text)
    }

    fn maybe_resolve(&self, text: String) -> Result<String, ShorthandError> {
        match (self.resolve_files, self.resolve) {
            (true, Some(resolve)) => match resolve(&text) {
                Ok(Some(loaded)) => Ok(loaded),
                Ok(None) => Ok(text),
                Err(message) => Err(ShorthandError { message }),
            },
            _ => Ok(text),
        }
    }
}

/// Applies the service model to a parsed shorthand value, as the AWS CLI's `BackCompatVisitor`
/// does: a scalar given where the model has a list becomes a one-element list
/// (`subnetIds=a` → `["a"]`), and integer members are turned into numbers. Members the model
/// does not know are left alone (parameter validation reports them).
pub fn coerce(value: &mut Value, shape: Shape) -> Result<(), ShorthandError> {
    match shape {
        Shape::Structure(s) => {
            if let Value::Object(map) = value {
                for member in s.members {
                    if let Some(child) = map.get_mut(member.name) {
                        coerce(child, member.shape)?;
                    }
                }
            }
        }
        Shape::List(l) => {
            if !value.is_array() && !value.is_null() {
                *value = Value::Array(vec![value.take()]);
            }
            if let Value::Array(items) = value {
                for item in items {
                    coerce(item, l.member)?;
                }
            }
        }
        Shape::Integer(_) => {
            if let Value::String(text) = value {
                let n: i64 = text.trim().parse().map_err(|_| ShorthandError {
                    message: format!("invalid literal for int() with base 10: '{text}'"),
                })?;
                *value = Value::from(n);
            }
        }
        Shape::String(_) | Shape::Timestamp => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::job::constraints::{CREATE_REQUEST, TAG_LIST, VPC_CONFIG};
    use serde_json::json;

    fn p(s: &str) -> Value {
        Value::Object(parse(s).unwrap_or_else(|e| panic!("{s}: {e}")))
    }

    #[test]
    fn scalars_lists_and_hashes() {
        assert_eq!(p("a=b"), json!({"a": "b"}));
        assert_eq!(p("a=b,c"), json!({"a": ["b", "c"]}));
        assert_eq!(p("a=b,c=d"), json!({"a": "b", "c": "d"}));
        assert_eq!(p("a=1,2,b=3"), json!({"a": ["1", "2"], "b": "3"}));
        assert_eq!(
            p("s3InputDataConfig={s3Uri=s3://b/in/,s3InputFormat=JSONL}"),
            json!({"s3InputDataConfig": {"s3Uri": "s3://b/in/", "s3InputFormat": "JSONL"}})
        );
        assert_eq!(p("a=[b, c]"), json!({"a": ["b", "c"]}));
        assert_eq!(
            p("a={b=[1,2],c={d=e}}"),
            json!({"a": {"b": ["1", "2"], "c": {"d": "e"}}})
        );
        assert_eq!(p("a="), json!({"a": ""}));
        assert_eq!(p("a=[]"), json!({"a": []}));
    }

    #[test]
    fn whitespace_and_escapes() {
        assert_eq!(p("a = b c , d=e"), json!({"a": "b c", "d": "e"}));
        assert_eq!(p(r"a=b\,c"), json!({"a": "b,c"}));
        assert_eq!(p("a=x=y"), json!({"a": "x=y"}));
        assert_eq!(p("a='b,c=d'"), json!({"a": "b,c=d"}));
        assert_eq!(p(r#"a="it's \"q\"""#), json!({"a": "it's \"q\""}));
        assert_eq!(p(r"a='it\'s'"), json!({"a": "it's"}));
        assert_eq!(p(r"a='x\\y'"), json!({"a": r"x\y"}));
        assert_eq!(p("a='x',b=\"y\""), json!({"a": "x", "b": "y"}));
        assert_eq!(p("a=x,'y z'"), json!({"a": ["x", "y z"]}));
    }

    #[test]
    fn errors_name_what_was_expected() {
        let e = parse("subnetIds").unwrap_err().to_string();
        assert_eq!(
            e,
            "Expected: '=', received: 'EOF' for input: subnetIds (at character 10)"
        );
        assert!(parse("a=b,").is_err());
        assert!(parse("a={b=c").is_err());
        assert!(parse("a='b").is_err());
        let dup = parse("key=a,value=b,key=c").unwrap_err().to_string();
        assert!(dup.starts_with("Second instance of key \"key\""), "{dup}");
        // A hash literal holds key=value pairs only; a bare csv element is an error, as in the CLI.
        assert!(parse("a={b=c,d}").is_err());
    }

    #[test]
    fn coerce_follows_the_model() {
        let mut v = p("subnetIds=a,b,securityGroupIds=sg-1");
        coerce(&mut v, Shape::Structure(&VPC_CONFIG)).unwrap();
        assert_eq!(
            v,
            json!({"subnetIds": ["a", "b"], "securityGroupIds": ["sg-1"]})
        );

        let mut tags = Value::Array(vec![p("key=team,value=ml"), p("key=env,value=dev")]);
        coerce(&mut tags, Shape::List(&TAG_LIST)).unwrap();
        assert_eq!(
            tags,
            json!([{"key": "team", "value": "ml"}, {"key": "env", "value": "dev"}])
        );

        let mut req = json!({"timeoutDurationInHours": "48"});
        coerce(&mut req, Shape::Structure(&CREATE_REQUEST)).unwrap();
        assert_eq!(req, json!({"timeoutDurationInHours": 48}));
    }

    /// Inputs and results recorded from awscli 1.45.11's `ShorthandParser` (hand-written cases
    /// and random ones over the syntax's special characters): the port must agree on each,
    /// including which inputs are errors.
    #[test]
    fn agrees_with_the_aws_cli_parser() {
        let text = include_str!("../../tests/data/shorthand-awscli.json");
        let cases: Vec<Value> = serde_json::from_str(text).unwrap();
        assert!(cases.len() > 300);
        for case in &cases {
            let input = case["in"].as_str().unwrap();
            match (case.get("ok"), parse(input)) {
                (Some(want), Ok(got)) => assert_eq!(&Value::Object(got), want, "{input:?}"),
                (None, Err(_)) => {}
                (want, got) => panic!("{input:?}: awscli gave {want:?}, the port {got:?}"),
            }
        }
    }

    #[test]
    fn paramfiles_after_at_equals() {
        let resolve = |v: &str| -> Result<Option<String>, String> {
            Ok(v.strip_prefix("file://").map(|p| format!("<{p}>")))
        };
        let got = parse_with_files("a@=file://x.txt,b=file://y", &resolve).unwrap();
        assert_eq!(Value::Object(got), json!({"a": "<x.txt>", "b": "file://y"}));
    }
}
