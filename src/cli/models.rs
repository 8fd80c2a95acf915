//! `bedrock-batch models [MODEL_ID]`: the catalog, or what one id resolves to and why.

use std::process::ExitCode;

use clap::Args;

use bedrock_batch::models::Catalog;
use bedrock_batch::quota::human_bytes;
use bedrock_batch::text::group_digits;

use super::output::with_stdout;
use super::tool_error;

/// Arguments of `models`.
#[derive(Args, Debug)]
pub struct ModelsArgs {
    /// A model id, inference-profile id or ARN to resolve.
    #[arg(value_name = "MODEL_ID")]
    pub model_id: Option<String>,
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `models`.
pub fn run(args: ModelsArgs) -> ExitCode {
    let catalog = Catalog::embedded();
    let result = with_stdout(|out| match &args.model_id {
        None if args.json => {
            let rows: Vec<_> = catalog
                .models
                .iter()
                .map(|m| {
                    serde_json::json!({"match": m.pattern, "name": m.name, "family": m.family,
                        "batch": m.batch, "quotas": catalog.default_quotas.with(&m.quotas),
                        "note": m.note, "source": m.source})
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &rows)?;
            writeln!(out)
        }
        None => {
            writeln!(out, "{:<42} {:<28} {:<6} NAME", "MATCH", "FAMILY", "BATCH")?;
            for m in &catalog.models {
                writeln!(
                    out,
                    "{:<42} {:<28} {:<6} {}",
                    m.pattern,
                    m.family.as_deref().unwrap_or("-"),
                    if m.batch { "yes" } else { "no" },
                    m.name
                )?;
            }
            writeln!(out)?;
            writeln!(
                out,
                "Ids may carry a cross-region prefix ({}) or be ARNs; the first matching entry wins.",
                catalog.profile_prefixes.join(" ")
            )
        }
        Some(id) => {
            let r = catalog.resolve(id);
            let q = r.quotas();
            if args.json {
                let v = serde_json::json!({
                    "model_id": r.input, "base_id": r.base_id, "known": r.entry.is_some(),
                    "name": r.entry.map(|e| &e.name), "family": r.family(),
                    "batch": r.entry.map(|e| e.batch), "quotas": q, "steps": r.steps,
                    "note": r.entry.and_then(|e| e.note.as_ref()),
                });
                serde_json::to_writer_pretty(&mut *out, &v)?;
                return writeln!(out);
            }
            writeln!(out, "{}", r.input)?;
            for step in &r.steps {
                writeln!(out, "  - {step}")?;
            }
            match r.entry {
                Some(e) => {
                    writeln!(out, "model:   {}", e.name)?;
                    writeln!(
                        out,
                        "family:  {}",
                        e.family.as_deref().unwrap_or("none (bodies are not checked)")
                    )?;
                    writeln!(
                        out,
                        "batch:   {}",
                        if e.batch { "supported" } else { "NOT supported for batch inference" }
                    )?;
                    if let Some(note) = &e.note {
                        writeln!(out, "note:    {note}")?;
                    }
                }
                None => writeln!(
                    out,
                    "unknown: bodies are not checked (M009); pass --schema FILE or add it to schemas/catalog.json"
                )?,
            }
            writeln!(
                out,
                "quotas:  {}-{} records per job, {} per file; {} per file, {} per job",
                group_digits(q.min_records_per_job),
                group_digits(q.max_records_per_job),
                group_digits(q.max_records_per_file),
                human_bytes(q.max_file_bytes),
                human_bytes(q.max_job_bytes)
            )
        }
    });
    match result {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => tool_error(format!("cannot write: {e}")),
    }
}
