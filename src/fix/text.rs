//! The human summary of a [`FixReport`]: what changed by kind, what was rejected (with
//! lines), what is left, and which files were written.

use std::io::{self, Write};

use super::{FixReport, Tally};
use crate::text::{counted as plural, group_digits};

/// Rejected lines listed one by one before the rest is only counted (all of them are in
/// the JSON summary).
pub const MAX_REJECTED_LISTED: usize = 20;

fn tallies(out: &mut dyn Write, list: &[Tally]) -> io::Result<()> {
    for t in list {
        let at = if t.count == 1 { "at" } else { "first at" };
        writeln!(
            out,
            "  {} {:<22} {:>9}  {} ({at} {}:{})",
            t.code,
            t.name,
            group_digits(t.count),
            t.note,
            t.first.path,
            t.first.line
        )?;
    }
    Ok(())
}

/// Writes the summary.
pub fn write(report: &FixReport, out: &mut dyn Write) -> io::Result<()> {
    let s = &report.summary;
    let verb = if report.dry_run {
        "would write"
    } else {
        "wrote"
    };
    writeln!(
        out,
        "{}{} of {} kept from {}; {}",
        if report.dry_run {
            "dry run, nothing written: "
        } else {
            ""
        },
        group_digits(s.written),
        plural(s.records, "record", "records"),
        plural(s.files, "file", "files"),
        plural(s.rejected, "line rejected", "lines rejected"),
    )?;
    if report.changes.is_empty() {
        writeln!(out, "no changes needed")?;
    } else {
        writeln!(out, "changes:")?;
        tallies(out, &report.changes)?;
    }
    if !report.rejected.is_empty() {
        let file = report
            .outputs
            .iter()
            .filter(|o| o.kind == "rejected")
            .map(|o| o.path.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        writeln!(out, "rejected (copied byte for byte to {file}):",)?;
        for r in report.rejected.iter().take(MAX_REJECTED_LISTED) {
            writeln!(
                out,
                "  {}:{}: {} {}: {}",
                r.path, r.line, r.code, r.name, r.message
            )?;
        }
        if report.rejected.len() > MAX_REJECTED_LISTED {
            writeln!(
                out,
                "  … and {} more (all are listed by --format json)",
                group_digits((report.rejected.len() - MAX_REJECTED_LISTED) as u64)
            )?;
        }
    }
    if !report.remaining.is_empty() {
        writeln!(out, "left as they are:")?;
        tallies(out, &report.remaining)?;
    }
    for o in report.outputs.iter().filter(|o| o.unchanged) {
        writeln!(out, "unchanged {} (nothing to repair)", o.path)?;
    }
    for o in report.outputs.iter().filter(|o| !o.unchanged) {
        let what = match o.kind {
            "output" => plural(o.lines, "record", "records"),
            "id-map" => plural(o.lines, "id change", "id changes"),
            _ => plural(o.lines, "line", "lines"),
        };
        writeln!(out, "{verb} {} ({what})", o.path)?;
    }
    for r in &report.removed {
        writeln!(
            out,
            "removed {r} (left by an earlier run; this one has nothing for it)"
        )?;
    }
    if !report.skipped.is_empty() {
        writeln!(out, "{}", crate::report::stray_note(&report.skipped))?;
    }
    if !report.decompressed.is_empty() {
        writeln!(
            out,
            "{}",
            crate::report::decompressed_note(&report.decompressed)
        )?;
    }
    if report.outputs.iter().any(|o| o.kind != "output") {
        writeln!(
            out,
            "note: keep the rejected and id-map files out of the job's S3 prefix (--side-dir DIR puts them elsewhere): the service reads every .jsonl file under it"
        )?;
    }
    Ok(())
}
