//! The text form of a [`ResultsSummary`] (the JSON form is its serde serialisation).

use std::io::{self, Write};

use crate::text::{group_digits, plural_s, shorten};

use super::summary::ResultsSummary;

/// Writes the summary for people.
pub fn text(s: &ResultsSummary, out: &mut dyn Write) -> io::Result<()> {
    let c = &s.counts;
    let files = s.input_files.len();
    writeln!(
        out,
        "{} input record{} in {} file{}; output {} ({} .jsonl.out file{}{})",
        group_digits(c.input_records),
        plural_s(c.input_records),
        files,
        plural_s(files as u64),
        s.output,
        s.output_files.len(),
        plural_s(s.output_files.len() as u64),
        if s.manifest.is_some() {
            ", manifest.json.out"
        } else {
            ", no manifest.json.out"
        }
    )?;
    let width = [c.succeeded, c.failed, c.missing, c.unknown, c.duplicates]
        .iter()
        .map(|n| group_digits(*n).len())
        .max()
        .unwrap_or(1);
    for (name, n) in [
        ("succeeded", c.succeeded),
        ("failed", c.failed),
        ("missing", c.missing),
        ("unknown", c.unknown),
        ("duplicates", c.duplicates),
    ] {
        writeln!(out, "  {name:<11}{:>width$}", group_digits(n))?;
    }
    if !s.failures.is_empty() {
        writeln!(out, "failures by errorCode:")?;
        for (code, n) in &s.failures {
            let sample = s
                .failure_samples
                .get(code)
                .map(|m| shorten(m, 100))
                .unwrap_or_default();
            writeln!(
                out,
                "  {code:>5}  {:>width$}  \"{sample}\"",
                group_digits(*n)
            )?;
        }
    }
    let t = &s.tokens;
    let mut tokens = Vec::new();
    if let (Some(i), Some(o)) = (t.manifest_input, t.manifest_output) {
        tokens.push(format!(
            "manifest {} in / {} out",
            group_digits(i),
            group_digits(o)
        ));
    }
    if t.records.outputs_with_usage > 0 {
        tokens.push(format!(
            "outputs' usage {} in / {} out ({} of {} outputs report usage)",
            group_digits(t.records.input_tokens),
            group_digits(t.records.output_tokens),
            group_digits(t.records.outputs_with_usage),
            group_digits(t.records.outputs)
        ));
    } else if t.records.outputs > 0 {
        tokens.push("the outputs report no usage".into());
    }
    if !tokens.is_empty() {
        writeln!(out, "tokens: {}", tokens.join("; "))?;
    }
    match (&s.manifest, s.disagreements.is_empty()) {
        (None, _) => writeln!(
            out,
            "manifest: none in the output folder (the job may still be in progress); counters not checked"
        )?,
        (Some(_), true) => writeln!(out, "manifest: its counters match what was counted")?,
        (Some(_), false) => {
            for d in &s.disagreements {
                writeln!(out, "manifest disagrees: {}", d.message)?;
            }
        }
    }
    if s.not_joinable.count > 0 {
        let reasons: Vec<String> = s
            .not_joinable
            .by_reason
            .iter()
            .map(|(why, n)| format!("{} {why}", group_digits(*n)))
            .collect();
        writeln!(
            out,
            "not joinable: {} input record{} without a usable recordId ({}); the service gives them ids of its own, so their outputs show as unknown; first at {}. `bedrock-batch fix --add-record-ids` gives every record one before the next job",
            group_digits(s.not_joinable.count),
            plural_s(s.not_joinable.count),
            reasons.join(", "),
            s.not_joinable.first.as_deref().unwrap_or("?")
        )?;
    }
    if s.repeated_ids.count > 0 {
        writeln!(
            out,
            "not joinable: {} input record{} repeat an earlier record's recordId (only the first is joined); first at {}",
            group_digits(s.repeated_ids.count),
            plural_s(s.repeated_ids.count),
            s.repeated_ids.first.as_deref().unwrap_or("?")
        )?;
    }
    if let Some(first) = &s.first_unknown {
        writeln!(out, "unknown: first at {first}")?;
    }
    if let Some(first) = &s.first_duplicate {
        writeln!(out, "duplicate: first at {first}")?;
    }
    if let Some(first) = &s.truncated.first {
        writeln!(out, "truncated: {first}")?;
    }
    if let Some(first) = &s.unreadable_output_lines.first {
        writeln!(
            out,
            "unreadable: {} output line{} not an output record; first at {first}",
            group_digits(s.unreadable_output_lines.count),
            if s.unreadable_output_lines.count == 1 {
                " is"
            } else {
                "s are"
            }
        )?;
    }
    if let Some(r) = &s.retry {
        writeln!(
            out,
            "retry: wrote {} record{} ({}) to {}, {} bytes; next: bedrock-batch validate {} && bedrock-batch shard {} --out DIR",
            group_digits(r.records),
            plural_s(r.records),
            r.selection.as_deref().unwrap_or("failed,missing"),
            r.path,
            group_digits(r.bytes),
            r.path,
            r.path
        )?;
    }
    if let Some(j) = &s.joined {
        writeln!(
            out,
            "joined: wrote {} record{} to {}, {} bytes",
            group_digits(j.records),
            plural_s(j.records),
            j.path,
            group_digits(j.bytes)
        )?;
    }
    Ok(())
}
