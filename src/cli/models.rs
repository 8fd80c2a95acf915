//! `bedrock-batch models [MODEL_ID]`: the catalog, or what one id resolves to, why, and where
//! each fact comes from.

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use serde_json::{json, Value};

use bedrock_batch::commands::models::{model_findings, BatchVia, Catalog, ModelEntry, Resolution};
use bedrock_batch::fmt::{group_digits, human_bytes};

use super::output::with_stdout;
use super::tool_error;

/// Output formats of `models`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ModelsFormat {
    /// A table, or the resolution explained.
    Text,
    /// The whole catalog, or the whole resolved entry.
    Json,
}

/// Arguments of `models`.
#[derive(Args, Debug)]
pub struct ModelsArgs {
    /// A model id, inference-profile id or ARN to resolve.
    #[arg(value_name = "MODEL_ID")]
    pub model_id: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ModelsFormat::Text)]
    pub format: ModelsFormat,
    /// Same as `--format json` (kept for scripts written before `--format`).
    #[arg(long, hide = true)]
    pub json: bool,
}

/// Runs `models`.
pub fn run(args: ModelsArgs) -> ExitCode {
    let catalog = Catalog::embedded();
    let json = args.json || args.format == ModelsFormat::Json;
    let result = with_stdout(|out| {
        match (&args.model_id, json) {
            (None, true) => serde_json::to_writer_pretty(&mut *out, &catalog_json(catalog))?,
            (None, false) => return table(out, catalog),
            (Some(id), true) => {
                serde_json::to_writer_pretty(&mut *out, &resolution_json(&catalog.resolve(id)))?
            }
            (Some(id), false) => return explain(out, catalog, &catalog.resolve(id)),
        }
        writeln!(out)
    });
    match result {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => tool_error(format!("cannot write: {e}")),
    }
}

/// `yes (profile only)` and friends.
fn batch_text(e: &ModelEntry) -> &'static str {
    match (e.is_catch_all(), e.batch, e.batch_via) {
        (true, _, _) => "unknown (M009)",
        (false, false, _) => "no",
        (false, true, Some(BatchVia::Profile)) => "yes (profile id only)",
        (false, true, Some(BatchVia::Base)) => "yes (base id only)",
        (false, true, _) => "yes",
    }
}

fn table(out: &mut dyn Write, catalog: &Catalog) -> std::io::Result<()> {
    writeln!(out, "{:<46} {:<34} {:<21} NAME", "ID", "FAMILY", "BATCH")?;
    for m in &catalog.models {
        let ids: Vec<&str> = if m.ids.is_empty() {
            vec![m.label()]
        } else {
            m.ids.iter().map(String::as_str).collect()
        };
        for id in ids {
            writeln!(
                out,
                "{:<46} {:<34} {:<21} {}",
                id,
                m.family.as_deref().unwrap_or("- (not checked)"),
                batch_text(m),
                m.name
            )?;
        }
    }
    writeln!(out)?;
    writeln!(
        out,
        "Catalog checked {}. Ids may carry a cross-region prefix ({}) or be ARNs; only listed ids are known. \
         `bedrock-batch models ID` shows an id's sources, dates and quotas; `--format json` gives everything.",
        catalog.checked,
        catalog.profile_prefixes.join(" ")
    )
}

/// A source key expanded: `{"key", "title", "url", "date"}`.
fn source_json(catalog: &Catalog, key: &str) -> Value {
    match catalog.sources.get(key) {
        Some(s) => json!({"key": key, "title": s.title, "url": s.url, "date": s.date}),
        None => json!({"key": key}),
    }
}

/// The whole catalog, each entry with the quotas in force and whether they are assumed.
fn catalog_json(catalog: &Catalog) -> Value {
    let mut v = serde_json::to_value(catalog).unwrap_or(Value::Null);
    if let Some(models) = v.get_mut("models").and_then(Value::as_array_mut) {
        for (m, entry) in models.iter_mut().zip(&catalog.models) {
            m["quotas_in_force"] = json!(catalog.default_quotas.with(&entry.quotas));
            m["quotas_assumed"] = json!(entry.quotas_source.is_none());
        }
    }
    v
}

/// Everything about one id: the resolution, the whole entry, sources expanded, and the
/// findings `validate` would report about the id itself.
fn resolution_json(r: &Resolution) -> Value {
    let catalog = Catalog::embedded();
    let decided = r.entry.or(r.catch_all);
    let sources: Vec<Value> = decided
        .map(|e| e.sources.iter().map(|k| source_json(catalog, k)).collect())
        .unwrap_or_default();
    let findings: Vec<Value> = model_findings(r, false, false, None)
        .iter()
        .map(|d| json!({"code": d.code.as_str(), "name": d.code.name(), "message": d.message}))
        .collect();
    json!({
        "model_id": r.input,
        "base_id": r.base_id,
        "form": r.form,
        "profile_prefix": r.prefix,
        "known": r.is_known(),
        "name": r.entry.map(|e| &e.name),
        "family": r.family(),
        "batch": r.entry.map(|e| e.batch),
        "batch_via": r.entry.and_then(|e| e.batch_via),
        "form_problem": r.form_problem(None).map(|p| json!({"use_id": p.use_id, "message": p.message})),
        "suggestions": r.suggestions(),
        "quotas": r.quotas(),
        "quotas_source": r.quotas_source().map(|k| source_json(catalog, k)),
        "quotas_assumed": r.quotas_source().is_none(),
        "sources": sources,
        "checked": decided.map(|e| &e.checked),
        "note": decided.and_then(|e| e.note.as_ref()),
        "decisions": decided.map(|e| &e.decisions),
        "entry": r.entry,
        "catch_all": r.catch_all,
        "findings": findings,
        "steps": r.steps,
    })
}

fn explain(out: &mut dyn Write, catalog: &Catalog, r: &Resolution) -> std::io::Result<()> {
    writeln!(out, "{}", r.input)?;
    for step in &r.steps {
        writeln!(out, "  - {step}")?;
    }
    let decided = r.entry.or(r.catch_all);
    match r.entry {
        Some(e) => {
            writeln!(out, "model:    {}", e.name)?;
            writeln!(
                out,
                "family:   {}",
                e.family
                    .as_deref()
                    .unwrap_or("none: bodies are not checked (M012)")
            )?;
            let batch = if !e.batch {
                "NOT supported for batch inference (M010)".to_string()
            } else {
                match e.batch_via {
                    Some(BatchVia::Profile) => {
                        "supported, through a cross-region inference profile id only".into()
                    }
                    Some(BatchVia::Base) => "supported, by the base model id only".into(),
                    _ => "supported, by base id or profile id".into(),
                }
            };
            writeln!(out, "batch:    {batch}")?;
            if let Some(p) = r.form_problem(None) {
                writeln!(out, "form:     WRONG (M011): {}", p.message)?;
            }
        }
        None => {
            writeln!(
                out,
                "unknown:  not in the catalog (M009){}",
                match r.family() {
                    Some(f) => format!("; bodies are still checked as `{f}`"),
                    None => "; bodies are not checked: pass --schema FILE or add the model to schemas/catalog.json".into(),
                }
            )?;
            let s = r.suggestions();
            if !s.is_empty() {
                writeln!(out, "did you mean: {}", s.join(", "))?;
            }
        }
    }
    let q = r.quotas();
    writeln!(
        out,
        "quotas:   {}-{} records per job, {} per file; {} per file, {} per job",
        group_digits(q.min_records_per_job),
        group_digits(q.max_records_per_job),
        group_digits(q.max_records_per_file),
        human_bytes(q.max_file_bytes),
        human_bytes(q.max_job_bytes)
    )?;
    match r.quotas_source() {
        Some(k) => writeln!(
            out,
            "          values from {} (the rest: {})",
            catalog.cite(&[k.to_string()]),
            catalog.cite(std::slice::from_ref(&catalog.default_quotas_source))
        )?,
        None => writeln!(
            out,
            "          ASSUMED: the default values ({}); no published per-model values were found (INFERENCE)",
            catalog.cite(std::slice::from_ref(&catalog.default_quotas_source))
        )?,
    }
    if let Some(e) = decided {
        if let Some(note) = &e.note {
            writeln!(out, "note:     {note}")?;
        }
        for d in &e.decisions {
            writeln!(out, "decision: {d}")?;
        }
        writeln!(out, "checked:  {}", e.checked)?;
        writeln!(out, "sources:")?;
        for key in &e.sources {
            match catalog.sources.get(key) {
                Some(s) if s.url.is_empty() => writeln!(out, "  {key}  {} ({})", s.title, s.date)?,
                Some(s) => writeln!(out, "  {key}  {} ({})\n       {}", s.title, s.date, s.url)?,
                None => writeln!(out, "  {key}")?,
            }
        }
    }
    Ok(())
}
