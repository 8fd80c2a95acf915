//! Pass 2: the service's `ValidationException` (required members, lengths, patterns, enums,
//! ranges, list sizes), in its wording.

use super::*;
use serde_json::Value;
use std::fmt;

// ---------------------------------------------------------------------------------------------
// Pass 2: the service's ValidationException.

/// One failed constraint, as the service reports it inside a `ValidationException`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The member path in the service's notation (`inputDataConfig.s3InputDataConfig.s3Uri`,
    /// `tags.2.member.key`).
    pub path: String,
    /// The value as the service quotes it (`None` prints as `null`, unquoted).
    pub value: Option<String>,
    /// The constraint text (`Member must satisfy regular expression pattern: …`).
    pub constraint: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.value {
            Some(v) => write!(f, "Value '{v}'")?,
            None => f.write_str("Value null")?,
        }
        write!(
            f,
            " at '{}' failed to satisfy constraint: {}",
            self.path, self.constraint
        )
    }
}

/// Every constraint of the service model that `value` (a request that passed
/// [`param_problems`]) violates, in model member order.
pub fn violations(shape: &'static StructureShape, value: &Value) -> Vec<Violation> {
    let mut out = Vec::new();
    check_structure(shape, value, "", &mut out);
    out
}

pub(super) fn join_path(parent: &str, member: &str) -> String {
    if parent.is_empty() {
        member.to_owned()
    } else {
        format!("{parent}.{member}")
    }
}

pub(super) fn check_structure(
    shape: &StructureShape,
    value: &Value,
    path: &str,
    out: &mut Vec<Violation>,
) {
    let Value::Object(map) = value else { return };
    for m in shape.members {
        let child_path = join_path(path, m.name);
        match map.get(m.name) {
            None | Some(Value::Null) => {
                if m.required {
                    out.push(Violation {
                        path: child_path,
                        value: None,
                        constraint: "Member must not be null".to_owned(),
                    });
                }
            }
            Some(child) => check_value(m.shape, child, &child_path, out),
        }
    }
}

pub(super) fn check_value(shape: Shape, value: &Value, path: &str, out: &mut Vec<Violation>) {
    match shape {
        Shape::Structure(s) => check_structure(s, value, path, out),
        Shape::List(l) => check_list(l, value, path, out),
        Shape::String(s) => {
            if let Some(text) = value.as_str() {
                for constraint in string_failures(s, text) {
                    out.push(Violation {
                        path: path.to_owned(),
                        value: Some(text.to_owned()),
                        constraint,
                    });
                }
            }
        }
        Shape::Integer(i) => {
            // Widened so a JSON number past i64 (valid for botocore, an int) is still compared.
            let n = value
                .as_i64()
                .map(i128::from)
                .or_else(|| value.as_u64().map(i128::from));
            if let Some(n) = n {
                let shown = Some(n.to_string());
                if let Some(min) = i.min.filter(|min| n < i128::from(*min)) {
                    out.push(Violation {
                        path: path.to_owned(),
                        value: shown.clone(),
                        constraint: format!(
                            "Member must have value greater than or equal to {min}"
                        ),
                    });
                }
                if let Some(max) = i.max.filter(|max| n > i128::from(*max)) {
                    out.push(Violation {
                        path: path.to_owned(),
                        value: shown,
                        constraint: format!("Member must have value less than or equal to {max}"),
                    });
                }
            }
        }
        Shape::Timestamp => {}
    }
}

/// The constraints of a string shape that `text` fails, in the service's wording.
pub(super) fn string_failures(s: &StringShape, text: &str) -> Vec<String> {
    let mut failed = Vec::new();
    if !s.enum_values.is_empty() && !s.enum_values.contains(&text) {
        failed.push(format!(
            "Member must satisfy enum value set: [{}]",
            s.enum_values.join(", ")
        ));
    }
    // Lengths count characters, as the service does for these ASCII-only shapes.
    let len = text.chars().count() as u64;
    if let Some(max) = s.max.filter(|max| len > *max) {
        failed.push(format!(
            "Member must have length less than or equal to {max}"
        ));
    }
    if let Some(min) = s.min.filter(|min| len < *min) {
        failed.push(format!(
            "Member must have length greater than or equal to {min}"
        ));
    }
    if let Some(p) = s.pattern.filter(|p| !matches(p, text)) {
        failed.push(format!(
            "Member must satisfy regular expression pattern: {p}"
        ));
    }
    failed
}

/// All constraints of a string shape, in the order the service lists them when it reports a
/// list member ("Member must satisfy constraint: [...]").
pub(super) fn string_constraints(s: &StringShape) -> Vec<String> {
    let mut all = Vec::new();
    if !s.enum_values.is_empty() {
        all.push(format!(
            "Member must satisfy enum value set: [{}]",
            s.enum_values.join(", ")
        ));
    }
    if let Some(max) = s.max {
        all.push(format!(
            "Member must have length less than or equal to {max}"
        ));
    }
    if let Some(min) = s.min {
        all.push(format!(
            "Member must have length greater than or equal to {min}"
        ));
    }
    if let Some(p) = s.pattern {
        all.push(format!(
            "Member must satisfy regular expression pattern: {p}"
        ));
    }
    all
}

/// How the service quotes a list value: Java's `List.toString()`, abbreviated after a few
/// elements so a 201-tag list does not make a 10 kB message.
pub(super) fn list_display(items: &[Value]) -> String {
    const SHOWN: usize = 3;
    let mut parts: Vec<String> = items
        .iter()
        .take(SHOWN)
        .map(|v| match v {
            Value::String(s) => s.clone(),
            Value::Object(map) => {
                let inner: Vec<String> = map
                    .iter()
                    .map(|(k, v)| {
                        format!(
                            "{k}={}",
                            v.as_str().map_or_else(|| v.to_string(), str::to_owned)
                        )
                    })
                    .collect();
                format!("{{{}}}", inner.join(", "))
            }
            other => other.to_string(),
        })
        .collect();
    if items.len() > SHOWN {
        parts.push(format!("... ({} elements in all)", items.len()));
    }
    format!("[{}]", parts.join(", "))
}

pub(super) fn check_list(l: &ListShape, value: &Value, path: &str, out: &mut Vec<Violation>) {
    let Value::Array(items) = value else { return };
    let len = items.len() as u64;
    if let Some(max) = l.max.filter(|max| len > *max) {
        out.push(Violation {
            path: path.to_owned(),
            value: Some(list_display(items)),
            constraint: format!("Member must have length less than or equal to {max}"),
        });
    }
    if let Some(min) = l.min.filter(|min| len < *min) {
        out.push(Violation {
            path: path.to_owned(),
            value: Some(list_display(items)),
            constraint: format!("Member must have length greater than or equal to {min}"),
        });
    }
    match l.member {
        // A list of strings is reported once, as the whole list with the element constraints
        // (the service's "Member must satisfy constraint: [...]" form).
        Shape::String(s) => {
            let any_bad = items
                .iter()
                .filter_map(Value::as_str)
                .any(|t| !string_failures(s, t).is_empty());
            if any_bad {
                out.push(Violation {
                    path: path.to_owned(),
                    value: Some(list_display(items)),
                    constraint: format!(
                        "Member must satisfy constraint: [{}]",
                        string_constraints(s).join(", ")
                    ),
                });
            }
        }
        // Structures in a list are checked member by member at `path.N.member.key` (1-based).
        member => {
            for (i, item) in items.iter().enumerate() {
                check_value(member, item, &format!("{path}.{}.member", i + 1), out);
            }
        }
    }
}
