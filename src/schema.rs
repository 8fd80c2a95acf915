//! Body checks: which `modelInput` schema applies to a job, compiled once and shared by all
//! worker threads, and how schema errors become `M` findings.
//!
//! The service's Validating phase does not look inside `modelInput`; a wrong body passes and
//! then fails record by record while the job still ends `Completed`. This module catches those
//! bodies before upload. Schemas (`schemas/<family>.json`, draft 2020-12) are embedded at build
//! time; `--schema FILE` loads the user's own at run time. Most bodies are valid, so the cheap
//! `is_valid` runs first and detailed errors are built only for failing bodies.

use std::path::Path;

use serde_json::Value;

use crate::diagnostic::Diagnostic;
use crate::error::{Error, Result};
use crate::models::Resolution;
use crate::rules::RuleCode;
use crate::scan::{BodyCheck, BodyFinding};
use crate::schema_tape::BodyTape;
use crate::InvocationType;

mod check;
mod errors;
mod hints;
mod shape;

use check::branches;
pub use check::SchemaCheck;
use errors::{push_error, rule_for, Slips};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::BodyFindings;
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
