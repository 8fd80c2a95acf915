//! One diagnosis for a body of the wrong shape (M014).
//!
//! A Nova body sent to a Claude model fails Claude's schema in five or six places (missing
//! `anthropic_version` and `max_tokens`, refused `inferenceConfig`, content blocks without
//! `type`, …), and none of those findings says what happened: the body was written for
//! another model family, or for the Converse invocation type. This module recognises such a
//! body by its top-level fields and reports it once, naming the family it fits and what to do.
//!
//! The test, on the body's top-level keys K, for the job's family J and every other family F:
//! - K names only fields J declares, or is one field away from J's shape (one undeclared key,
//!   or one required key absent): the body is J's, with a mistake (no diagnosis; the field
//!   findings, with their "did you mean" hints, say what is wrong);
//! - otherwise the body is F's when K names only fields F declares and every field F requires.
//!   Families whose full schema accepts the body are named first.
//!
//! Judging by the top level only is deliberate: a body of another family that also has a
//! mistake inside is still that family's body, and the mistake inside is not the first thing
//! to fix. Runs only for bodies that failed their schema.

use std::sync::OnceLock;

use jsonschema::Validator;
use serde_json::{Map, Value};

use super::{branches, schema_text, CONVERSE_FAMILY, EMBEDDED_SCHEMAS, FAMILY_EXAMPLES};
use crate::rules::RuleCode;
use crate::scan::BodyFinding;

/// A union of two other families: every body it takes fits one of them, which are named
/// instead.
const UNION_FAMILIES: &[&str] = &["mistral-chat-or-text"];

/// What one family's body looks like at the top level.
struct FamilyShape {
    name: &'static str,
    /// The schema's title up to " body" (`Anthropic Claude Messages API`).
    title: String,
    declared: Vec<String>,
    required: Vec<String>,
    validator: Option<Validator>,
}

impl FamilyShape {
    fn new(name: &'static str, text: &str) -> Option<Self> {
        let schema: Value = serde_json::from_str(text).ok()?;
        let title = schema["title"]
            .as_str()
            .map(|t| t.split(" body").next().unwrap_or(t).trim().to_string())
            .unwrap_or_else(|| name.to_string());
        let mut declared = Vec::new();
        for b in branches(&schema, &schema) {
            if let Some(p) = b.get("properties").and_then(Value::as_object) {
                for k in p.keys() {
                    if !declared.contains(k) {
                        declared.push(k.clone());
                    }
                }
            }
        }
        let required = schema["required"]
            .as_array()
            .map(|r| {
                r.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .build(&schema)
            .ok();
        Some(FamilyShape {
            name,
            title,
            declared,
            required,
            validator,
        })
    }

    /// Whether the top-level keys name only fields this family declares.
    fn declares_all(&self, keys: &Map<String, Value>) -> bool {
        keys.keys().all(|k| self.declared.iter().any(|d| d == k))
    }

    /// How far the top-level keys are from this family's: fields it does not declare plus
    /// required fields absent.
    fn misfit(&self, keys: &Map<String, Value>) -> usize {
        let unknown = keys
            .keys()
            .filter(|k| !self.declared.iter().any(|d| d == *k))
            .count();
        let absent = self
            .required
            .iter()
            .filter(|r| !keys.contains_key(*r))
            .count();
        unknown + absent
    }

    /// Whether a body with these top-level keys is shaped as this family's.
    fn fits(&self, keys: &Map<String, Value>) -> bool {
        !keys.is_empty()
            && self.declares_all(keys)
            && self.required.iter().all(|r| keys.contains_key(r))
    }

    fn accepts(&self, body: &Value) -> bool {
        self.validator.as_ref().is_some_and(|v| v.is_valid(body))
    }

    fn example(&self) -> Option<&'static str> {
        FAMILY_EXAMPLES
            .iter()
            .find(|(f, _)| *f == self.name)
            .map(|(_, id)| *id)
    }
}

/// Every embedded family's shape, built on the first body that needs a diagnosis (compiling a
/// dozen schemas costs a few milliseconds, which a run of valid bodies never pays).
fn shapes() -> &'static [FamilyShape] {
    static SHAPES: OnceLock<Vec<FamilyShape>> = OnceLock::new();
    SHAPES.get_or_init(|| {
        EMBEDDED_SCHEMAS
            .iter()
            .filter_map(|(name, _)| FamilyShape::new(name, schema_text(name)?))
            .collect()
    })
}

/// The job a body is checked for.
#[derive(Clone, Debug)]
pub(super) struct JobShape {
    /// The family the bodies are checked with (`converse` in Converse-type jobs).
    pub family: String,
    /// Whether the job is Converse-type.
    pub converse: bool,
    /// The model's own InvokeModel family, when the model is known.
    pub model_family: Option<String>,
}

impl JobShape {
    /// One M014 finding when `body` is shaped for another family or invocation type than the
    /// job's, else `None`.
    pub(super) fn diagnose(&self, body: &Value) -> Option<BodyFinding> {
        let keys = body.as_object()?;
        if let Some(f) = openai_batch_line(keys) {
            return Some(f);
        }
        let all = shapes();
        let job = all.iter().find(|s| s.name == self.family)?;
        // A body whose top-level fields are all the job's, or that is one field away from
        // the job's shape (a field too many or too few), is the job's body with a mistake:
        // the field finding, with its "did you mean", says more than a diagnosis would.
        if job.declares_all(keys) || job.misfit(keys) < 2 {
            return None;
        }
        let mut fits: Vec<&FamilyShape> = all
            .iter()
            .filter(|s| s.name != job.name && !UNION_FAMILIES.contains(&s.name))
            // A Converse-shaped body in an InvokeModel job is a Converse request; a Converse
            // job has no other Converse shape to compare with.
            .filter(|s| s.fits(keys))
            .collect();
        if fits.is_empty() {
            return None;
        }
        // Families whose whole schema takes the body first; Converse first among equals,
        // since its shape is the one users most often send to InvokeModel.
        fits.sort_by_key(|s| (!s.accepts(body), s.name != CONVERSE_FAMILY));
        Some(BodyFinding {
            code: RuleCode::M014,
            pointer: String::new(),
            message: self.message(job, &fits),
        })
    }

    fn message(&self, job: &FamilyShape, fits: &[&FamilyShape]) -> String {
        let top = fits[0];
        let schema_hint = format!(
            "`bedrock-batch schema {}` prints the expected shape",
            job.name
        );
        if self.converse {
            return if self.model_family.as_deref() == Some(top.name) {
                format!(
                    "the body is this model's InvokeModel body ({}), not a Converse request: create the job with --invocation-type InvokeModel (modelInvocationType InvokeModel), or rewrite the body as a Converse request ({schema_hint})",
                    top.title
                )
            } else {
                format!(
                    "the body is shaped for the InvokeModel API of {} (family {}), not a Converse request: rewrite it as a Converse request ({schema_hint}), or send it to a model of that family with --invocation-type InvokeModel",
                    top.title, top.name
                )
            };
        }
        if top.name == CONVERSE_FAMILY {
            return format!(
                "the body is a Converse request, not shaped for {} (this job's model): create the job with --invocation-type Converse (modelInvocationType Converse), or rewrite the body for this model ({schema_hint})",
                job.title
            );
        }
        let fits: Vec<&FamilyShape> = fits
            .iter()
            .copied()
            .filter(|s| s.name != CONVERSE_FAMILY)
            .take(3)
            .collect();
        let titles: Vec<&str> = fits.iter().map(|s| s.title.as_str()).collect();
        let names: Vec<&str> = fits.iter().map(|s| s.name).collect();
        let (titles, families) = match titles.as_slice() {
            [one] => (one.to_string(), format!("family {}", names[0])),
            [init @ .., last] => (
                format!("{} or {last}", init.join(", ")),
                format!("families {}", names.join(", ")),
            ),
            [] => unreachable!("a Converse fit returned above"),
        };
        let example = fits
            .iter()
            .find_map(|s| s.example())
            .map(|id| format!(" (e.g. {id} takes this body)"))
            .unwrap_or_default();
        format!(
            "the body is shaped for {titles} ({families}), not for {} (this job's model): check --model-id{example}, or rewrite the body for this model ({schema_hint})",
            job.title
        )
    }
}

/// A line of the OpenAI Batch API (`{"custom_id", "method", "url", "body"}`) put inside
/// `modelInput`: the request body is one level down.
fn openai_batch_line(keys: &Map<String, Value>) -> Option<BodyFinding> {
    let marked = ["custom_id", "method", "url"]
        .iter()
        .any(|k| keys.contains_key(*k));
    if !(marked && keys.get("body").is_some_and(Value::is_object)) {
        return None;
    }
    Some(BodyFinding {
        code: RuleCode::M014,
        pointer: String::new(),
        message: "modelInput holds an OpenAI Batch API request line (custom_id, method, url, body), not a request body: put the line's `body` object itself in modelInput (without its `model` field) and its `custom_id` in recordId".into(),
    })
}
