//! Body checks: which `modelInput` schema applies to a job, compiled once and shared by all
//! worker threads, and how schema errors become `M` findings.
//!
//! The service's Validating phase does not look inside `modelInput`; a wrong body passes and
//! then fails record by record while the job still ends `Completed`. This module catches those
//! bodies before upload. Schemas (`schemas/<family>.json`, draft 2020-12) are embedded at build
//! time; `--schema FILE` loads the user's own at run time. Most bodies are valid, so the cheap
//! `is_valid` runs first and detailed errors are built only for failing bodies.

use std::borrow::Cow;
use std::path::Path;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::Validator;
use serde_json::Value;

use crate::diagnostic::{push_pointer_token, Diagnostic};
use crate::error::{Error, Result};
use crate::models::Resolution;
use crate::rules::RuleCode;
use crate::scan::{BodyCheck, BodyFinding, BodyFindings};
use crate::schema_tape::{BodyTape, TapeJson, TapeNode};
use crate::text::plural_s;
use crate::InvocationType;

mod hints;
mod shape;

include!(concat!(env!("OUT_DIR"), "/schemas.rs"));

thread_local! {
    /// One reusable tape builder per worker thread.
    static TAPE: std::cell::RefCell<BodyTape> = std::cell::RefCell::new(BodyTape::new());
}

/// The family every Converse-type job is checked with, whatever the model.
pub const CONVERSE_FAMILY: &str = "converse";

/// Names of the embedded families.
pub fn families() -> impl Iterator<Item = &'static str> {
    EMBEDDED_SCHEMAS.iter().map(|(name, _)| *name)
}

/// The JSON text of an embedded family's schema.
pub fn schema_text(family: &str) -> Option<&'static str> {
    EMBEDDED_SCHEMAS
        .iter()
        .find(|(name, _)| *name == family)
        .map(|(_, text)| *text)
}

/// What a job's bodies are checked with: the family name, the compiled check, and the
/// findings about the model id itself (M009–M012).
pub struct BodySetup {
    /// The family checked (`custom` for `--schema`).
    pub family: Option<String>,
    /// The compiled check.
    pub check: Option<Box<dyn BodyCheck>>,
    /// Findings about the model id (job-level).
    pub model_findings: Vec<Diagnostic>,
}

/// A job-level finding.
fn job_level(code: RuleCode, message: String) -> Diagnostic {
    Diagnostic {
        code,
        file: None,
        path: None,
        position: None,
        pointer: None,
        message,
    }
}

/// The findings about a job's model id: unknown (M009, with "did you mean"), no batch support
/// (M010), the wrong id form (M011), or known but without a body schema (M012).
pub fn model_findings(
    r: &Resolution,
    converse: bool,
    custom_schema: bool,
    region: Option<&str>,
) -> Vec<Diagnostic> {
    let bodies_checked = custom_schema || converse || r.family().is_some();
    let Some(entry) = r.entry else {
        let mut message = format!("model id `{}` is not in the catalog", r.input);
        if let Some(c) = r.catch_all {
            message.push_str(&format!(
                " (only the catch-all `{}` matches, which never makes an id batch-capable)",
                c.pattern.as_deref().unwrap_or_default()
            ));
        }
        let suggestions = r.suggestions();
        if !suggestions.is_empty() {
            let list: Vec<String> = suggestions.iter().map(|s| format!("`{s}`")).collect();
            message.push_str(&format!("; did you mean {}?", list.join(", ")));
        }
        message.push_str(match (bodies_checked, r.family()) {
            (true, Some(_)) if !converse && !custom_schema => {
                "; bodies are checked with the provider's only body family, default quotas apply"
            }
            (true, _) => "; default quotas apply",
            (false, _) => {
                "; bodies are not checked and default quotas apply (pass --schema FILE, or add the model to schemas/catalog.json)"
            }
        });
        if r.catch_all.is_none() && suggestions.is_empty() && r.form.is_some() {
            message.push_str(" (`bedrock-batch models` lists the catalog)");
        }
        return vec![job_level(RuleCode::M009, message)];
    };
    let mut found = Vec::new();
    if !entry.batch {
        found.push(job_level(
            RuleCode::M010,
            format!(
                "{} (`{}`) cannot run batch inference jobs: CreateModelInvocationJob refuses it (sources: {}; `bedrock-batch models {}` shows why)",
                entry.name,
                r.input,
                r.cited_sources(),
                r.input
            ),
        ));
        return found;
    }
    if let Some(p) = r.form_problem(region) {
        found.push(job_level(
            RuleCode::M011,
            format!("{} (sources: {})", p.message, r.cited_sources()),
        ));
    }
    if !bodies_checked {
        found.push(job_level(
            RuleCode::M012,
            format!(
                "bodies were not checked: the catalog has no body schema for {} (`{}`) because AWS documents no InvokeModel request body for it (`bedrock-batch models {}` says more); check Converse bodies with --invocation-type Converse, or pass --schema FILE",
                entry.name, r.input, r.input
            ),
        ));
    }
    found
}

/// The caller's two choices that pick a job's body schema, apart from the model.
#[derive(Clone, Copy, Debug, Default)]
pub struct BodySpec<'a> {
    /// How records are invoked: Converse bodies follow the Converse schema for every model.
    pub invocation_type: InvocationType,
    /// `--schema FILE`: a user schema that replaces the catalog's.
    pub schema: Option<&'a Path>,
    /// The S3 URI the job's `inputDataConfig` names, for M013 (media outside it).
    pub input_s3_uri: Option<&'a str>,
}

/// Chooses and compiles the body check for a job.
///
/// A Converse-type job is checked with the Converse schema whatever the model, with or without
/// `--model-id` (the Converse request shape does not depend on the model); an InvokeModel job
/// with its model's family, so without `--model-id` its bodies are not checked; `--schema FILE`
/// replaces both.
pub fn body_check_for(resolution: Option<&Resolution>, opts: BodySpec<'_>) -> Result<BodySetup> {
    let mut setup = schema_check_for(resolution, opts)?;
    // M013 needs the job's input folder; it rides on the schema check (or on none).
    if let Some(location) = opts
        .input_s3_uri
        .and_then(crate::media::InputLocation::parse)
    {
        setup.check = Some(Box::new(crate::media::MediaCheck::new(
            setup.check.take(),
            location,
        )));
    }
    Ok(setup)
}

fn schema_check_for(resolution: Option<&Resolution>, opts: BodySpec<'_>) -> Result<BodySetup> {
    let converse = opts.invocation_type == InvocationType::Converse;
    let model_findings = resolution
        .map(|r| model_findings(r, converse, opts.schema.is_some(), None))
        .unwrap_or_default();
    if let Some(path) = opts.schema {
        let schema = load_user_schema(path)?;
        let check = SchemaCheck::new(&schema, path.display().to_string(), None, converse)?;
        return Ok(BodySetup {
            family: Some("custom".into()),
            check: Some(Box::new(check)),
            model_findings,
        });
    }
    let family = match resolution {
        _ if converse => Some(CONVERSE_FAMILY),
        None => None,
        Some(r) => r.family(),
    };
    let Some(family) = family else {
        return Ok(BodySetup {
            family: None,
            check: None,
            model_findings,
        });
    };
    let text = schema_text(family).ok_or_else(|| Error::Schema {
        path: format!("schemas/{family}.json"),
        message: "the catalog names this family but no schema is embedded".into(),
    })?;
    let schema: Value = serde_json::from_str(text).map_err(|e| Error::Schema {
        path: format!("schemas/{family}.json"),
        message: e.to_string(),
    })?;
    let mut check = SchemaCheck::new(
        &schema,
        format!("schemas/{family}.json"),
        Some(family),
        converse,
    )?;
    check.shape = Some(shape::JobShape {
        family: family.to_string(),
        converse,
        model_family: resolution.and_then(Resolution::family).map(str::to_string),
    });
    if family == OPENAI_FAMILY && !converse {
        if let Some(r) = resolution {
            check.model_field = Some(JobModel {
                input: r.input.clone(),
                base_id: r.base_id.clone(),
            });
        }
    }
    Ok(BodySetup {
        family: Some(family.to_string()),
        check: Some(Box::new(check)),
        model_findings,
    })
}

fn load_user_schema(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    serde_json::from_str(&text).map_err(|e| Error::Schema {
        path: path.display().to_string(),
        message: format!("not valid JSON: {e}"),
    })
}

/// The family of gpt-oss bodies, whose optional `model` field must name the job's model.
pub const OPENAI_FAMILY: &str = "openai-chat-completions";

/// The job's model, for the gpt-oss `model` field check.
#[derive(Clone, Debug)]
struct JobModel {
    /// The id as given with `--model-id`.
    input: String,
    /// The id without ARN wrapping or inference-profile prefix.
    base_id: String,
}

impl JobModel {
    /// Whether a body's `model` names this model. The service compares it with the model
    /// the record is invoked with ("must match the one in the header", reference §6.10); a
    /// batch job may name that model by its id, an inference profile or an ARN, so any form
    /// that resolves to the same base model id is accepted (`openai.gpt-oss-120b-1:0`,
    /// `us.openai.gpt-oss-120b-1:0`, `arn:aws:bedrock:…:foundation-model/openai.gpt-oss-120b-1:0`).
    /// OpenAI's own names (`gpt-oss-120b`) are not Bedrock ids and are refused.
    fn accepts(&self, model: &str) -> bool {
        model == self.input
            || model == self.base_id
            || crate::models::Catalog::embedded().resolve(model).base_id == self.base_id
    }

    fn finding(&self, model: &str) -> BodyFinding {
        BodyFinding {
            code: RuleCode::M005,
            pointer: "/model".into(),
            message: format!(
                "`model` is \"{}\" but the job runs `{}`; a gpt-oss body's model must name the job's model (its id `{}`, an inference profile or ARN of it), or be left out",
                crate::text::shorten(model, 80),
                self.input,
                self.base_id
            ),
        }
    }
}

/// Families whose conversations must start with a user turn (M007), and whether leading
/// `system` messages are skipped first.
fn first_turn_rule(family: &str) -> Option<bool> {
    match family {
        "anthropic-claude-messages" | "amazon-nova-messages-v1" => Some(false),
        // Converse (newer service models) and Mistral chat accept leading system turns.
        CONVERSE_FAMILY | "mistral-chat" | "mistral-chat-or-text" => Some(true),
        _ => None,
    }
}

/// Bodies with more values than this get only their first schema error reported (see
/// [`SchemaCheck`]'s `check`); real request bodies have far fewer.
pub use crate::limits::MAX_ENUMERATED_VALUES;

/// A compiled schema plus the semantic checks a schema cannot express well.
pub struct SchemaCheck {
    /// For the fast path: validates a body's tape without building a `Value`.
    fast: Validator<TapeJson>,
    /// For failing bodies only: detailed errors over a `serde_json::Value`.
    validator: Validator,
    first_turn: Option<bool>,
    /// The message roles the schema accepts, when it lists them: M007 judges only the order
    /// of valid turns, a role the schema refuses is its finding (M005) alone.
    roles: Option<Vec<String>>,
    converse: bool,
    /// For gpt-oss bodies: the job's model, which a `model` field must name.
    model_field: Option<JobModel>,
    /// The schema itself, for "did you mean" (the fields it declares where one was refused).
    schema: Value,
    /// Whether a misspelled field and the required field it stands for are one finding
    /// (catalog families). A user's `--schema` gets the schema's errors one by one, each with
    /// its hint, so they read as its validator reports them.
    pair_slips: bool,
    /// The job's family and invocation type, for recognising a body of another shape (M014;
    /// catalog families only: a user's `--schema` has no family to compare with).
    shape: Option<shape::JobShape>,
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
    fn first_role_is_wrong(&self, role: &str) -> bool {
        role != "user"
            && self
                .roles
                .as_ref()
                .is_none_or(|roles| roles.iter().any(|r| r == role))
    }

    /// Whether the semantic rules pass, on the body's tape (the fast path).
    fn semantic_ok<'a>(&self, body: TapeNode<'a>) -> bool {
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

    fn semantic(&self, body: &Value, out: &mut BodyFindings) {
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
fn deref<'a>(root: &'a Value, mut node: &'a Value) -> &'a Value {
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
fn branches<'a>(root: &'a Value, node: &'a Value) -> Vec<&'a Value> {
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
fn subschemas<'a>(root: &'a Value, keys: &[&str]) -> Vec<&'a Value> {
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
fn message_roles(schema: &Value) -> Option<Vec<String>> {
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

/// The one place where schema error kinds become rule codes. Every kind is listed, so a
/// `jsonschema` upgrade that adds a kind is noticed here.
fn rule_for(kind: &ValidationErrorKind) -> RuleCode {
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
struct Slips {
    /// (object pointer, unexpected name) → the suggestion for it.
    suggested: Vec<(String, String, hints::Suggestion)>,
    /// (object pointer, required name) named by a suggestion: not reported on their own.
    absorbed: Vec<(String, String)>,
}

impl Slips {
    fn absorbs(&self, object: &str, name: &str) -> bool {
        self.absorbed.iter().any(|(o, n)| o == object && n == name)
    }

    fn for_field(&self, object: &str, name: &str) -> Option<&hints::Suggestion> {
        self.suggested
            .iter()
            .find(|(o, n, _)| o == object && n == name)
            .map(|(_, _, s)| s)
    }
}

/// Bounds the pairing work on a hostile body with thousands of refused fields: past this
/// many, fields are reported without a suggestion.
const MAX_SUGGESTIONS: usize = 256;

impl SchemaCheck {
    /// Suggestions for the refused fields among `errors`, and the missing required fields
    /// they stand for (see [`hints`]).
    fn slips(&self, errors: &[jsonschema::ValidationError<'_>]) -> Slips {
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
fn suggestion_text(s: &hints::Suggestion, absorbed: bool, body: &Value, object: &str) -> String {
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

fn push_error(
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

fn range(out: &mut BodyFindings, code: RuleCode, at: &str, message: String) {
    out.push(BodyFinding {
        code,
        pointer: at.to_string(),
        message,
    });
}

/// Hints for the missing fields users get wrong most often.
fn hint_missing(name: &str) -> &'static str {
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
fn hint_unexpected(name: &str) -> &'static str {
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

fn json_type_name(v: Option<&Value>) -> &'static str {
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

fn short_value(v: Option<&Value>) -> String {
    v.map_or_else(|| "absent".into(), short_json)
}

fn short_json(v: &Value) -> String {
    let text: Cow<'_, str> = Cow::Owned(v.to_string());
    crate::scan::shorten(&text, 80)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn findings(
        schema: Value,
        body: &str,
        converse: bool,
        family: Option<&str>,
    ) -> Vec<(RuleCode, String)> {
        let check = SchemaCheck::new(&schema, "test".into(), family, converse).unwrap();
        let mut out = BodyFindings::new(usize::MAX, &crate::rules::RuleSelection::default());
        check.check(body, &mut out);
        out.listed
            .into_iter()
            .map(|f| (f.code, f.pointer))
            .collect()
    }

    #[test]
    fn findings_past_the_limit_are_counted_not_listed() {
        let schema = json!({"type": "object", "additionalProperties": false,
            "properties": {"a": {"type": "array", "items": {"type": "integer"}}}});
        let check = SchemaCheck::new(&schema, "test".into(), None, false).unwrap();
        let extra: Vec<String> = (0..50).map(|i| format!("\"x{i}\":1")).collect();
        let strings: Vec<&str> = vec!["\"s\""; 30];
        let body = format!("{{\"a\":[{}],{}}}", strings.join(","), extra.join(","));
        let mut out = BodyFindings::new(10, &crate::rules::RuleSelection::default());
        check.check(&body, &mut out);
        assert_eq!(out.listed.len(), 10);
        let listed = |code| out.listed.iter().filter(|f| f.code == code).count() as u64;
        assert_eq!(
            listed(RuleCode::M002) + out.unlisted[RuleCode::M002 as usize],
            50
        );
        assert_eq!(
            listed(RuleCode::M003) + out.unlisted[RuleCode::M003 as usize],
            30
        );
    }

    #[test]
    fn kinds_map_to_codes_with_pointers() {
        let schema = json!({
            "type": "object", "additionalProperties": false,
            "required": ["max_tokens", "messages"],
            "properties": {
                "max_tokens": {"type": "integer", "minimum": 1},
                "temperature": {"type": "number", "maximum": 1},
                "messages": {"type": "array", "items": {"type": "object", "properties": {"role": {"enum": ["user", "assistant"]}}}}
            }
        });
        assert_eq!(
            findings(
                schema.clone(),
                r#"{"messages":[{"role":"bot"}],"temperature":2,"modelId":"x"}"#,
                false,
                None
            ),
            vec![
                (RuleCode::M001, "/max_tokens".into()),
                (RuleCode::M005, "/messages/0/role".into()),
                (RuleCode::M002, "/modelId".into()),
                (RuleCode::M004, "/temperature".into()),
            ]
        );
        assert_eq!(
            findings(schema, r#"{"max_tokens":"5","messages":[]}"#, false, None),
            vec![(RuleCode::M003, "/max_tokens".into())]
        );
    }

    #[test]
    fn semantic_checks() {
        let any = json!({"type": "object"});
        let body = r#"{"messages":[{"role":"assistant","content":"x"}],"toolConfig":{}}"#;
        assert_eq!(
            findings(any.clone(), body, true, Some(CONVERSE_FAMILY)),
            vec![
                (RuleCode::M007, "/messages/0/role".into()),
                (RuleCode::M008, "/toolConfig".into())
            ]
        );
        assert_eq!(
            findings(any.clone(), body, false, Some("meta-llama")),
            vec![]
        );
        let mistral =
            r#"{"messages":[{"role":"system","content":"x"},{"role":"user","content":"y"}]}"#;
        assert_eq!(findings(any, mistral, false, Some("mistral-chat")), vec![]);
    }
}
