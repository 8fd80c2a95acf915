//! [`SchemaCheck`]: a compiled body schema plus the semantic checks a schema cannot express,
//! run on the recorded tape when it can and on a `serde_json` value otherwise.

use super::*;
use crate::error::{Error, Result};
use crate::rules::RuleCode;
use crate::scan::{BodyCheck, BodyFinding, BodyFindings};
use crate::schema_tape::{BodyTape, TapeJson, TapeNode};
use jsonschema::error::ValidationErrorKind;
use jsonschema::Validator;
use serde_json::Value;

/// A compiled schema plus the semantic checks a schema cannot express well.
pub struct SchemaCheck {
    /// For the fast path: validates a body's tape without building a `Value`.
    pub(super) fast: Validator<TapeJson>,
    /// For failing bodies only: detailed errors over a `serde_json::Value`.
    pub(super) validator: Validator,
    pub(super) first_turn: Option<bool>,
    /// The message roles the schema accepts, when it lists them: M007 judges only the order
    /// of valid turns, a role the schema refuses is its finding (M005) alone.
    pub(super) roles: Option<Vec<String>>,
    pub(super) converse: bool,
    /// For gpt-oss bodies: the job's model, which a `model` field must name.
    pub(super) model_field: Option<JobModel>,
    /// The schema itself, for "did you mean" (the fields it declares where one was refused).
    pub(super) schema: Value,
    /// Whether a misspelled field and the required field it stands for are one finding
    /// (catalog families). A user's `--schema` gets the schema's errors one by one, each with
    /// its hint, so they read as its validator reports them.
    pub(super) pair_slips: bool,
    /// The job's family and invocation type, for recognising a body of another shape (M014;
    /// catalog families only: a user's `--schema` has no family to compare with).
    pub(super) shape: Option<shape::JobShape>,
}

impl SchemaCheck {
    /// Compiles `schema` (draft 2020-12 unless it says otherwise). `origin` names it in errors.
    pub fn new(
        schema: &Value,
        origin: String,
        family: Option<&str>,
        converse: bool,
    ) -> Result<Self> {
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .build(schema)
            .map_err(|e| Error::Schema {
                path: origin,
                message: e.to_string(),
            })?;
        let fast = jsonschema::options_for::<TapeJson>()
            .with_draft(jsonschema::Draft::Draft202012)
            .build(schema)
            .map_err(|e| Error::Schema {
                path: "schema".into(),
                message: e.to_string(),
            })?;
        Ok(SchemaCheck {
            fast,
            validator,
            first_turn: family.and_then(first_turn_rule),
            roles: message_roles(schema),
            converse,
            model_field: None,
            schema: schema.clone(),
            pair_slips: family.is_some(),
            shape: None,
        })
    }

    /// Whether `role`, the first turn that counts, breaks the first-turn rule (M007).
    pub(super) fn first_role_is_wrong(&self, role: &str) -> bool {
        role != "user"
            && self
                .roles
                .as_ref()
                .is_none_or(|roles| roles.iter().any(|r| r == role))
    }

    /// Whether the semantic rules pass, on the body's tape (the fast path).
    pub(super) fn semantic_ok<'a>(&self, body: TapeNode<'a>) -> bool {
        use jsonschema::json::{Array, Node};
        if self.converse && body.get("toolConfig").is_some() {
            return false;
        }
        if let Some(job) = &self.model_field {
            if let Some(model) = body.get("model").and_then(|m| m.as_string()) {
                if !job.accepts(&model) {
                    return false;
                }
            }
        }
        if let Some(skip_system) = self.first_turn {
            if let Some(messages) = body.get("messages").and_then(|m| m.as_array()) {
                let role = |m: &TapeNode<'a>| m.get("role").and_then(|r| r.as_string());
                let first = messages
                    .elements()
                    .find(|m| !(skip_system && role(m).as_deref() == Some("system")));
                if let Some(m) = first {
                    if role(&m).is_some_and(|r| self.first_role_is_wrong(&r)) {
                        return false;
                    }
                }
            }
        }
        true
    }

    pub(super) fn semantic(&self, body: &Value, out: &mut BodyFindings) {
        if let Some(skip_system) = self.first_turn {
            if let Some(messages) = body.get("messages").and_then(Value::as_array) {
                let first = messages.iter().enumerate().find(|(_, m)| {
                    !(skip_system && m.get("role").and_then(Value::as_str) == Some("system"))
                });
                if let Some((i, m)) = first {
                    let role = m.get("role").and_then(Value::as_str);
                    if role.is_some_and(|r| self.first_role_is_wrong(r)) {
                        out.push(BodyFinding {
                            code: RuleCode::M007,
                            pointer: format!("/messages/{i}/role"),
                            message: format!(
                                "the conversation starts with a `{}` turn; the first message must have role `user`",
                                role.unwrap_or_default()
                            ),
                        });
                    }
                }
            }
        }
        if let Some(job) = &self.model_field {
            if let Some(model) = body.get("model").and_then(Value::as_str) {
                if !job.accepts(model) {
                    out.push(job.finding(model));
                }
            }
        }
        if self.converse && body.get("toolConfig").is_some() {
            out.push(BodyFinding {
                code: RuleCode::M008,
                pointer: "/toolConfig".into(),
                message: "batch inference does not support tool calling in Converse-type jobs (records with toolConfig fail with a 400 error); create the job with --model-invocation-type InvokeModel to use tools".into(),
            });
        }
    }
}

impl BodyCheck for SchemaCheck {
    fn check(&self, body: &str, out: &mut BodyFindings) {
        TAPE.with(|t| {
            let mut tape = t.borrow_mut();
            let _ = tape.parse(body, |_| ());
            self.check_recorded(body, &tape, out);
        });
    }

    fn check_recorded(&self, body: &str, tape: &BodyTape, out: &mut BodyFindings) {
        // Most bodies are valid: validate their tape (strings left undecoded); only a body
        // that fails, that a semantic rule flags or that the tape declines is decoded into a
        // `Value` to build detailed findings.
        let clean = tape
            .with_root(body, |node| {
                self.fast.is_valid(node) && self.semantic_ok(node)
            })
            .unwrap_or(false);
        if clean {
            return;
        }
        let value = match serde_json::from_str::<Value>(body) {
            Ok(value) => value,
            Err(e) => {
                // The scanner accepted the body, so only what serde_json refuses and RFC 8259
                // allows lands here: nesting past serde_json's recursion limit (which keeps
                // the schema stage off the end of the stack), or a lone surrogate escape.
                let why = if e.to_string().contains("recursion limit") {
                    "it nests more than 128 levels deep".to_string()
                } else {
                    e.to_string()
                };
                out.push(BodyFinding {
                    code: RuleCode::M006,
                    pointer: String::new(),
                    message: format!("the body could not be decoded for the schema check: {why}"),
                });
                return;
            }
        };
        let start = out.listed.len();
        let valid = self.validator.is_valid(&value);
        if !valid && out.is_enabled(RuleCode::M014) {
            // A body written for another family or invocation type is one finding, not the
            // field findings (and semantic ones) its shape would cause.
            if let Some(f) = self.shape.as_ref().and_then(|s| s.diagnose(&value)) {
                out.push(f);
                return;
            }
        }
        if valid {
            // Nothing to list.
        } else if crate::json::more_values_than(body.as_bytes(), MAX_ENUMERATED_VALUES) {
            // `iter_errors` collects every error before yielding the first, a few hundred
            // bytes each: a body of millions of wrong values would take gigabytes. Report
            // its first error only.
            if let Err(error) = self.validator.validate(&value) {
                let from = out.listed.len();
                push_error(&error, &value, &Slips::default(), out);
                for f in &mut out.listed[from..] {
                    f.message.push_str(&format!(
                        " (first schema error only: the body has more than {} values)",
                        crate::text::group_digits(MAX_ENUMERATED_VALUES as u64)
                    ));
                }
            }
        } else {
            let errors: Vec<_> = self.validator.iter_errors(&value).collect();
            let slips = self.slips(&errors);
            for error in &errors {
                if let ValidationErrorKind::Required { property } = error.kind() {
                    let name = property.as_str().unwrap_or_default();
                    if slips.absorbs(error.instance_path().as_str(), name) {
                        // Named by the misspelled field's finding instead.
                        continue;
                    }
                }
                if out.has_room() {
                    push_error(error, &value, &slips, out);
                } else {
                    // Past the listing limit only the count matters: build no messages.
                    let n = match error.kind() {
                        ValidationErrorKind::AdditionalProperties { unexpected }
                        | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
                            unexpected.len() as u64
                        }
                        _ => 1,
                    };
                    out.count(rule_for(error.kind()), n);
                }
            }
        }
        self.semantic(&value, out);
        // Findings of one body in pointer order, so output is stable.
        out.listed[start..].sort_by(|a, b| a.pointer.cmp(&b.pointer).then(a.code.cmp(&b.code)));
    }
}

/// Follows local `$ref`s (`#/$defs/…`) from `node` until a schema without one.
pub(super) fn deref<'a>(root: &'a Value, mut node: &'a Value) -> &'a Value {
    // A bound, so a schema whose references loop cannot hang the check.
    for _ in 0..32 {
        match node.get("$ref").and_then(Value::as_str) {
            Some(r) => match r.strip_prefix('#').and_then(|p| root.pointer(p)) {
                Some(target) => node = target,
                None => break,
            },
            None => break,
        }
    }
    node
}

/// A schema and the alternatives it delegates to (`then`, `else`, `allOf`, `anyOf`, `oneOf`
/// members, a few levels deep), `$ref`s followed: where a family's fields may be declared.
pub(super) fn branches<'a>(root: &'a Value, node: &'a Value) -> Vec<&'a Value> {
    let mut out = vec![deref(root, node)];
    let mut i = 0;
    // Families nest at most two levels of alternatives; the bound keeps a loop finite.
    while i < out.len() && out.len() < 64 {
        let n = out[i];
        for key in ["then", "else"] {
            if let Some(b) = n.get(key) {
                out.push(deref(root, b));
            }
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            if let Some(Value::Array(bs)) = n.get(key) {
                out.extend(bs.iter().map(|b| deref(root, b)));
            }
        }
        i += 1;
    }
    out
}

/// Every subschema reached from the root through `keys` (`properties`, `items`, …), over all
/// branches on the way.
pub(super) fn subschemas<'a>(root: &'a Value, keys: &[&str]) -> Vec<&'a Value> {
    let mut nodes = branches(root, root);
    for key in keys {
        nodes = nodes
            .iter()
            .filter_map(|n| n.get(*key))
            .flat_map(|n| branches(root, n))
            .collect();
    }
    nodes
}

/// The message roles a schema lists (`messages` → items → `role`: `enum` or `const`), over
/// all its branches; `None` when it lists none.
pub(super) fn message_roles(schema: &Value) -> Option<Vec<String>> {
    let mut roles: Vec<String> = Vec::new();
    for role in subschemas(
        schema,
        &["properties", "messages", "items", "properties", "role"],
    ) {
        let values: Vec<&Value> = match (role.get("enum"), role.get("const")) {
            (Some(Value::Array(all)), _) => all.iter().collect(),
            (_, Some(one)) => vec![one],
            _ => continue,
        };
        for v in values.into_iter().filter_map(Value::as_str) {
            if !roles.iter().any(|r| r == v) {
                roles.push(v.to_string());
            }
        }
    }
    (!roles.is_empty()).then_some(roles)
}
