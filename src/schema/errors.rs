//! How schema errors become `M` findings: the rule for each error kind, the pointer, and a
//! message that says what to do (suggested names for misspellings, ranges, expected types).

use super::*;
use crate::diagnostic::push_pointer_token;
use crate::rules::RuleCode;
use crate::scan::{BodyFinding, BodyFindings};
use crate::text::plural_s;
use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde_json::Value;
use std::borrow::Cow;

/// The one place where schema error kinds become rule codes. Every kind is listed, so a
/// `jsonschema` upgrade that adds a kind is noticed here.
pub(super) fn rule_for(kind: &ValidationErrorKind) -> RuleCode {
    use ValidationErrorKind as K;
    match kind {
        K::Required { .. } => RuleCode::M001,
        K::AdditionalProperties { .. } | K::UnevaluatedProperties { .. } => RuleCode::M002,
        K::Type { .. } => RuleCode::M003,
        K::Minimum { .. }
        | K::Maximum { .. }
        | K::ExclusiveMinimum { .. }
        | K::ExclusiveMaximum { .. }
        | K::MinLength { .. }
        | K::MaxLength { .. }
        | K::MinItems { .. }
        | K::MaxItems { .. }
        | K::MinProperties { .. }
        | K::MaxProperties { .. } => RuleCode::M004,
        K::Enum { .. } | K::Constant { .. } | K::Pattern { .. } | K::Format { .. } => {
            RuleCode::M005
        }
        K::AdditionalItems { .. }
        | K::AnyOf { .. }
        | K::BacktrackLimitExceeded { .. }
        | K::RegexEngineFailure { .. }
        | K::Contains
        | K::ContentEncoding { .. }
        | K::ContentMediaType { .. }
        | K::Custom { .. }
        | K::FalseSchema
        | K::MultipleOf { .. }
        | K::Not { .. }
        | K::OneOfMultipleValid { .. }
        | K::OneOfNotValid { .. }
        | K::PropertyNames { .. }
        | K::UnevaluatedItems { .. }
        | K::UniqueItems
        | K::FromUtf8 { .. }
        | K::Referencing(_) => RuleCode::M006,
    }
}

/// The fields of a failing body that stand for other fields ("did you mean"), worked out over
/// all of the body's schema errors before any is reported, so that what is listed and what is
/// counted agree.
#[derive(Default)]
pub(super) struct Slips {
    /// (object pointer, unexpected name) → the suggestion for it.
    pub(super) suggested: Vec<(String, String, hints::Suggestion)>,
    /// (object pointer, required name) named by a suggestion: not reported on their own.
    pub(super) absorbed: Vec<(String, String)>,
}

impl Slips {
    pub(super) fn absorbs(&self, object: &str, name: &str) -> bool {
        self.absorbed.iter().any(|(o, n)| o == object && n == name)
    }

    pub(super) fn for_field(&self, object: &str, name: &str) -> Option<&hints::Suggestion> {
        self.suggested
            .iter()
            .find(|(o, n, _)| o == object && n == name)
            .map(|(_, _, s)| s)
    }
}

/// Bounds the pairing work on a hostile body with thousands of refused fields: past this
/// many, fields are reported without a suggestion.
pub(super) const MAX_SUGGESTIONS: usize = 256;

impl SchemaCheck {
    /// Suggestions for the refused fields among `errors`, and the missing required fields
    /// they stand for (see [`hints`]).
    pub(super) fn slips(&self, errors: &[jsonschema::ValidationError<'_>]) -> Slips {
        let mut slips = Slips::default();
        let missing_at = |object: &str| -> Vec<&str> {
            errors
                .iter()
                .filter(|e| e.instance_path().as_str() == object)
                .filter_map(|e| match e.kind() {
                    ValidationErrorKind::Required { property } => property.as_str(),
                    _ => None,
                })
                .collect()
        };
        for error in errors {
            let (ValidationErrorKind::AdditionalProperties { unexpected }
            | ValidationErrorKind::UnevaluatedProperties { unexpected }) = error.kind()
            else {
                continue;
            };
            // The schema object holding the refused keyword: its declared fields are the
            // candidates.
            let keyword = error.schema_path().as_str();
            let Some(node) = keyword
                .rsplit_once('/')
                .and_then(|(parent, _)| self.schema.pointer(parent))
            else {
                continue;
            };
            let object = error.instance_path().as_str();
            let missing = missing_at(object);
            for name in unexpected {
                if slips.suggested.len() >= MAX_SUGGESTIONS {
                    return slips;
                }
                if !hint_unexpected(name).is_empty() {
                    // A field with its own explanation (modelId, stream, …).
                    continue;
                }
                let Some(s) = hints::suggest(&self.schema, node, name, &missing) else {
                    continue;
                };
                if self.pair_slips
                    && s.same_level
                    && missing.contains(&s.path.as_str())
                    && !slips.absorbs(object, &s.path)
                {
                    slips.absorbed.push((object.to_string(), s.path.clone()));
                }
                slips.suggested.push((object.to_string(), name.clone(), s));
            }
        }
        slips
    }
}

/// The "did you mean" part of a refused field's message.
pub(super) fn suggestion_text(
    s: &hints::Suggestion,
    absorbed: bool,
    body: &Value,
    object: &str,
) -> String {
    if !s.same_level {
        let (holder, _) = s.path.split_once('/').unwrap_or((&s.path, ""));
        return format!(
            "; did you mean `{}`? (the setting goes inside `{holder}`)",
            s.path
        );
    }
    let mut intended = object.to_string();
    push_pointer_token(&mut intended, &s.path);
    if absorbed {
        format!(
            "; did you mean `{}`, which is required and missing?",
            s.path
        )
    } else if body.pointer(&intended).is_some() {
        format!(
            "; did you mean `{}`? (the body also sets `{}`: keep that one)",
            s.path, s.path
        )
    } else {
        format!("; did you mean `{}`?", s.path)
    }
}

pub(super) fn push_error(
    error: &jsonschema::ValidationError<'_>,
    body: &Value,
    slips: &Slips,
    out: &mut BodyFindings,
) {
    use ValidationErrorKind as K;
    let at = error.instance_path().as_str().to_string();
    let code = rule_for(error.kind());
    let field = |p: &str| -> String {
        if p.is_empty() {
            "the body".to_string()
        } else {
            format!("`{}`", p.trim_start_matches('/'))
        }
    };
    let value_text = || short_value(body.pointer(&at));
    match error.kind() {
        K::Required { property } => {
            let name = property
                .as_str()
                .map_or_else(|| property.to_string(), str::to_string);
            let mut pointer = at.clone();
            push_pointer_token(&mut pointer, &name);
            out.push(BodyFinding {
                code,
                message: format!(
                    "missing required field `{}`{}",
                    pointer.trim_start_matches('/'),
                    hint_missing(&name)
                ),
                pointer,
            });
        }
        K::AdditionalProperties { unexpected } | K::UnevaluatedProperties { unexpected } => {
            for (i, name) in unexpected.iter().enumerate() {
                if !out.has_room() {
                    out.count(code, (unexpected.len() - i) as u64);
                    break;
                }
                let mut pointer = at.clone();
                push_pointer_token(&mut pointer, name);
                let hint = match slips.for_field(&at, name) {
                    Some(s) => {
                        let absorbed = s.same_level && slips.absorbs(&at, &s.path);
                        suggestion_text(s, absorbed, body, &at)
                    }
                    None => hint_unexpected(name).to_string(),
                };
                out.push(BodyFinding {
                    code,
                    message: format!(
                        "field `{}` is not accepted by this model's body{hint}",
                        pointer.trim_start_matches('/'),
                    ),
                    pointer,
                });
            }
        }
        K::Type { kind } => {
            let expected = match kind {
                TypeKind::Single(t) => t.to_string(),
                TypeKind::Multiple(ts) => ts
                    .iter()
                    .map(|t| t.to_string())
                    .collect::<Vec<_>>()
                    .join(" or "),
            };
            out.push(BodyFinding {
                code,
                message: format!(
                    "{} is {}, expected {expected}",
                    field(&at),
                    json_type_name(body.pointer(&at))
                ),
                pointer: at,
            });
        }
        K::Minimum { limit } => range(
            out,
            code,
            &at,
            format!(
                "{} is {}, below the minimum {limit}",
                field(&at),
                value_text()
            ),
        ),
        K::Maximum { limit } => range(
            out,
            code,
            &at,
            format!(
                "{} is {}, above the maximum {limit}",
                field(&at),
                value_text()
            ),
        ),
        K::ExclusiveMinimum { limit } => range(
            out,
            code,
            &at,
            format!(
                "{} is {}, must be greater than {limit}",
                field(&at),
                value_text()
            ),
        ),
        K::ExclusiveMaximum { limit } => range(
            out,
            code,
            &at,
            format!(
                "{} is {}, must be less than {limit}",
                field(&at),
                value_text()
            ),
        ),
        K::MinLength { limit } => range(
            out,
            code,
            &at,
            format!(
                "{} is shorter than {limit} character{}",
                field(&at),
                plural_s(*limit)
            ),
        ),
        K::MaxLength { limit } => range(
            out,
            code,
            &at,
            format!(
                "{} is longer than {limit} character{}",
                field(&at),
                plural_s(*limit)
            ),
        ),
        K::MinItems { limit } => range(
            out,
            code,
            &at,
            format!(
                "{} has fewer than {limit} item{}",
                field(&at),
                plural_s(*limit)
            ),
        ),
        K::MaxItems { limit } => range(
            out,
            code,
            &at,
            format!(
                "{} has more than {limit} item{}",
                field(&at),
                plural_s(*limit)
            ),
        ),
        K::MinProperties { limit } => range(
            out,
            code,
            &at,
            format!(
                "{} has fewer than {limit} field{}",
                field(&at),
                plural_s(*limit)
            ),
        ),
        K::MaxProperties { limit } => range(
            out,
            code,
            &at,
            format!(
                "{} has more than {limit} field{}",
                field(&at),
                plural_s(*limit)
            ),
        ),
        K::Enum { options } => {
            // A `system` turn where the family takes the system prompt beside the messages.
            let hint = if at.ends_with("/role")
                && body.pointer(&at).and_then(Value::as_str) == Some("system")
                && options
                    .as_array()
                    .is_some_and(|o| !o.contains(&Value::from("system")))
            {
                "; this model takes the system prompt in the top-level `system` field, not as a message"
            } else {
                ""
            };
            range(
                out,
                code,
                &at,
                format!(
                    "{} is {}, expected one of {}{hint}",
                    field(&at),
                    value_text(),
                    short_json(options)
                ),
            )
        }
        K::Constant { expected_value } => range(
            out,
            code,
            &at,
            format!(
                "{} is {}, expected {}",
                field(&at),
                value_text(),
                short_json(expected_value)
            ),
        ),
        K::Pattern { pattern } => range(
            out,
            code,
            &at,
            format!(
                "{} is {}, which does not match the pattern {pattern}",
                field(&at),
                value_text()
            ),
        ),
        K::Not { schema } => {
            // The schemas use `not: {required: [a, b]}` for unions that take one member.
            let names: Vec<&str> = schema["required"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let message = if names.len() >= 2 {
                format!(
                    "{} sets {} together; exactly one of them is allowed",
                    field(&at),
                    names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(" and ")
                )
            } else {
                format!("{}: {}", field(&at), error.masked())
            };
            range(out, code, &at, message);
        }
        _ => {
            let masked = error.masked().to_string();
            range(out, code, &at, format!("{}: {masked}", field(&at)));
        }
    }
}

pub(super) fn range(out: &mut BodyFindings, code: RuleCode, at: &str, message: String) {
    out.push(BodyFinding {
        code,
        pointer: at.to_string(),
        message,
    });
}

/// Hints for the missing fields users get wrong most often.
pub(super) fn hint_missing(name: &str) -> &'static str {
    match name {
        "anthropic_version" => {
            " (Claude bodies need \"anthropic_version\": \"bedrock-2023-05-31\")"
        }
        "max_tokens" => " (Claude bodies must set max_tokens)",
        "messages" => " (the conversation goes in `messages`)",
        "prompt" => " (this model takes a `prompt` string)",
        "inputText" => " (Titan bodies take `inputText`)",
        _ => "",
    }
}

/// Hints for the unexpected fields users send most often.
pub(super) fn hint_unexpected(name: &str) -> &'static str {
    match name {
        "modelId" | "model_id" => "; the model is chosen by the job (--model-id), not inside modelInput",
        "textGenerationConfig" => {
            "; textGenerationConfig belongs to Titan Text bodies (Nova takes `inferenceConfig`)"
        }
        "parameters" => "; that is the SageMaker shape: Bedrock Llama takes `prompt`, `max_gen_len`, `temperature`, `top_p`",
        "recordId" => "; recordId belongs next to modelInput, not inside it",
        "stream" => "; batch records cannot stream",
        _ => "",
    }
}

pub(super) fn json_type_name(v: Option<&Value>) -> &'static str {
    match v {
        Some(Value::Null) => "null",
        Some(Value::Bool(_)) => "a boolean",
        Some(Value::Number(n)) if n.is_i64() || n.is_u64() => "an integer",
        Some(Value::Number(_)) => "a number",
        Some(Value::String(_)) => "a string",
        Some(Value::Array(_)) => "an array",
        Some(Value::Object(_)) => "an object",
        None => "absent",
    }
}

pub(super) fn short_value(v: Option<&Value>) -> String {
    v.map_or_else(|| "absent".into(), short_json)
}

pub(super) fn short_json(v: &Value) -> String {
    let text: Cow<'_, str> = Cow::Owned(v.to_string());
    crate::scan::shorten(&text, 80)
}
