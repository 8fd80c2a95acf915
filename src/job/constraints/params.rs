//! Pass 1: botocore's client-side parameter validation (its `Parameter validation failed`
//! list), before anything would be sent.

use super::*;
use serde_json::Value;
use std::fmt;

// ---------------------------------------------------------------------------------------------
// Pass 1: botocore's client-side parameter validation.

/// A problem botocore finds before sending (its `Parameter validation failed` list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamProblem(pub String);

impl fmt::Display for ParamProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Members the model does not know, values of the wrong JSON type and tagged unions with other
/// than one member set, in botocore's wording. `value` is the whole request object.
pub fn param_problems(shape: &'static StructureShape, value: &Value) -> Vec<ParamProblem> {
    let mut out = Vec::new();
    check_param(Shape::Structure(shape), value, "input", &mut out);
    out
}

pub(super) fn python_type(value: &Value) -> &'static str {
    // botocore names the Python type it got; JSON values map onto these.
    match value {
        Value::Null => "<class 'NoneType'>",
        Value::Bool(_) => "<class 'bool'>",
        Value::Number(n) if n.is_i64() || n.is_u64() => "<class 'int'>",
        Value::Number(_) => "<class 'float'>",
        Value::String(_) => "<class 'str'>",
        Value::Array(_) => "<class 'list'>",
        Value::Object(_) => "<class 'dict'>",
    }
}

pub(super) fn python_repr(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "None".to_owned(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        other => other.to_string(),
    }
}

pub(super) fn check_param(shape: Shape, value: &Value, name: &str, out: &mut Vec<ParamProblem>) {
    let wrong_type = |valid: &str, out: &mut Vec<ParamProblem>| {
        out.push(ParamProblem(format!(
            "Invalid type for parameter {name}, value: {}, type: {}, valid types: {valid}",
            python_repr(value),
            python_type(value)
        )));
    };
    match shape {
        Shape::Structure(s) => {
            let Value::Object(map) = value else {
                wrong_type("<class 'dict'>", out);
                return;
            };
            if s.union && map.len() != 1 {
                let keys: Vec<&str> = s.members.iter().map(|m| m.name).collect();
                out.push(ParamProblem(format!(
                    "Invalid number of parameters set for tagged union structure {name}. \
                     Can only set one of the following keys: {}.",
                    keys.join(", ")
                )));
            }
            for (key, child) in map {
                match s.member(key) {
                    Some(m) => {
                        let child_name = if name == "input" {
                            key.clone()
                        } else {
                            format!("{name}.{key}")
                        };
                        check_param(m.shape, child, &child_name, out);
                    }
                    None => {
                        let keys: Vec<&str> = s.members.iter().map(|m| m.name).collect();
                        out.push(ParamProblem(format!(
                            "Unknown parameter in {name}: \"{key}\", must be one of: {}",
                            keys.join(", ")
                        )));
                    }
                }
            }
        }
        Shape::List(l) => {
            let Value::Array(items) = value else {
                wrong_type("<class 'list'>, <class 'tuple'>", out);
                return;
            };
            for (i, item) in items.iter().enumerate() {
                check_param(l.member, item, &format!("{name}[{i}]"), out);
            }
        }
        Shape::String(_) => {
            if !value.is_string() {
                wrong_type("<class 'str'>", out);
            }
        }
        Shape::Integer(_) => {
            if !(value.is_i64() || value.is_u64()) {
                wrong_type("<class 'int'>", out);
            }
        }
        Shape::Timestamp => {
            if !value.is_string() {
                wrong_type("<class 'datetime.datetime'>, <class 'str'>", out);
            }
        }
    }
}
