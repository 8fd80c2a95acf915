//! File- and job-level rules, checked once a file (F001, F003, Q001, Q002, L004 summary) or
//! the whole job (F002, Q003–Q005, M009) has been scanned, and the report built from them.

use super::*;
use crate::diagnostic::Diagnostic;
use crate::error::Result;
use crate::input::{self, InputFile, SourceSpec};
use crate::rules::{Phase, RuleCode, Severity, RULES};
use crate::text::{group_digits, human_bytes};

impl JobRun<'_> {
    pub(super) fn finish_file(&mut self, index: u32, file: &InputFile, acc: FileAcc) {
        let q = self.setup.quotas;
        let path = Some(file.display.clone());
        let file_level = |code: RuleCode, message: String| Diagnostic {
            code,
            file: Some(index),
            path: path.clone(),
            position: None,
            pointer: None,
            message,
        };
        let mut found = Vec::new();
        if let Some(kind) = acc.not_jsonl {
            let is_stdin = file.source == SourceSpec::Stdin && self.opts.stdin_name.is_none();
            found.push(file_level(
                RuleCode::F004,
                kind.message(&file.display, is_stdin, file.compression()),
            ));
        }
        // Files found in a folder are judged by F003 instead; unnamed standard input has no
        // name to judge.
        let is_named = match file.source {
            SourceSpec::Stdin => self.opts.stdin_name.is_some(),
            SourceSpec::Path(_) | SourceSpec::Remote(_) => !file.in_folder,
        };
        let compression = file.compression();
        if compression != input::Compression::None {
            // Checked as it will be once decompressed; the service cannot read it as it is,
            // named or found in a folder alike.
            found.push(file_level(
                RuleCode::F001,
                format!(
                    "\"{}\" is {}-compressed; the service reads only uncompressed .jsonl files: decompress it before upload (its records were checked as they will be then)",
                    file.display,
                    compression.as_str()
                ),
            ));
        } else if is_named && !file.has_jsonl_extension() {
            found.push(file_level(
                RuleCode::F001,
                format!(
                    "\"{}\" does not end in .jsonl; the service reads only .jsonl files (rename it)",
                    file.display
                ),
            ));
        }
        if acc.bytes > q.max_file_bytes {
            found.push(file_level(
                RuleCode::Q001,
                format!(
                    "file is {} ({} bytes), over the per-file quota of {} ({} bytes) by {} bytes; split it with `bedrock-batch shard`",
                    human_bytes(acc.bytes),
                    group_digits(acc.bytes),
                    human_bytes(q.max_file_bytes),
                    group_digits(q.max_file_bytes),
                    group_digits(acc.bytes - q.max_file_bytes)
                ),
            ));
        }
        // The lines of a file that is not JSON lines (F004) are not its records: fixing it
        // changes the count, so record quotas are judged once it is fixed.
        if acc.not_jsonl.is_some() {
            self.not_jsonl_files += 1;
        } else if acc.records > q.max_records_per_file {
            found.push(file_level(
                RuleCode::Q002,
                format!(
                    "file has {} records, over the per-file quota of {} by {}; split it with `bedrock-batch shard`",
                    group_digits(acc.records),
                    group_digits(q.max_records_per_file),
                    group_digits(acc.records - q.max_records_per_file)
                ),
            ));
        }
        if let Some(p) = acc.first_crlf {
            found.push(Diagnostic {
                code: RuleCode::L004,
                file: Some(index),
                path: path.clone(),
                position: Some(p),
                pointer: None,
                message: format!(
                    "{} line{} end{} in CRLF (\\r\\n), the first here; `bedrock-batch fix` converts them to \\n",
                    group_digits(acc.crlf),
                    if acc.crlf == 1 { "" } else { "s" },
                    if acc.crlf == 1 { "s" } else { "" }
                ),
            });
        }
        if let Some(first) = acc.first_odd_id {
            // One finding per file, as L004: ids are odd for one cause (how they were made),
            // so a finding per record would only bury the others.
            let n = acc.odd_ids;
            found.push(Diagnostic {
                message: format!(
                    "{} recordId{} {} not plain (ASCII letters, digits, - _ . :; at most {} characters), the first here: {}",
                    group_digits(n),
                    if n == 1 { "" } else { "s" },
                    if n == 1 { "is" } else { "are" },
                    crate::limits::MAX_PLAIN_RECORD_ID_CHARS,
                    first.message
                ),
                ..first
            });
        }
        for d in found {
            self.push_finding(d);
        }
        self.files.push(FileSummary {
            path: file.display.to_string(),
            records: acc.records,
            bytes: acc.bytes,
        });
        self.totals.0 += acc.records;
        self.totals.1 += acc.bytes;
    }

    /// Counts and keeps a finding made outside a chunk. One of a rule left out by
    /// `--select`/`--ignore` is neither counted nor listed, but a validating-phase one still
    /// decides the verdict (the service does not read `--select`).
    pub(super) fn push_finding(&mut self, d: Diagnostic) {
        if self.opts.rules.is_enabled(d.code) {
            self.collector.count(d.code, Some(&d));
            self.collector.extend(vec![d]);
        } else if d.phase() == Phase::Validating {
            self.collector.offer_first(d);
        }
    }

    /// Job-level checks, then the report. `files` are the files given to
    /// [`JobRun::scan_all`] (stray ones are reported there).
    ///
    /// # Panics
    /// If a finding sink fails; runs with a sink call [`JobRun::try_finish`].
    pub fn finish(self, files: &[InputFile]) -> Report {
        self.try_finish(files)
            .expect("finish fails only through a finding sink; use try_finish with one")
    }

    /// [`JobRun::finish`] for runs with a finding sink, whose errors it passes on.
    pub fn try_finish(mut self, files: &[InputFile]) -> Result<Report> {
        let q = self.setup.quotas;
        let (records, bytes) = self.totals;
        let job_level = |code: RuleCode, message: String| Diagnostic {
            code,
            file: None,
            path: None,
            position: None,
            pointer: None,
            message,
        };
        let mut found = Vec::new();
        found.extend(self.setup.model_findings.iter().cloned());
        if self.files.is_empty() {
            found.push(job_level(
                RuleCode::F002,
                "the job has no .jsonl file; the service needs at least one".into(),
            ));
        } else if records == 0 {
            found.push(job_level(
                RuleCode::F002,
                format!(
                    "the job's {} file{} hold{} no record",
                    self.files.len(),
                    if self.files.len() == 1 { "" } else { "s" },
                    if self.files.len() == 1 { "s" } else { "" }
                ),
            ));
        }
        if bytes > q.max_job_bytes {
            found.push(job_level(
                RuleCode::Q003,
                format!(
                    "the job's files total {} ({} bytes), over the job quota of {} ({} bytes) by {} bytes; split it into several jobs with `bedrock-batch shard`",
                    human_bytes(bytes),
                    group_digits(bytes),
                    human_bytes(q.max_job_bytes),
                    group_digits(q.max_job_bytes),
                    group_digits(bytes - q.max_job_bytes)
                ),
            ));
        }
        let records_known = self.not_jsonl_files == 0;
        if records_known && records > q.max_records_per_job {
            found.push(job_level(
                RuleCode::Q004,
                format!(
                    "the job has {} records, over the per-job quota of {} by {}; split it into several jobs with `bedrock-batch shard`",
                    group_digits(records),
                    group_digits(q.max_records_per_job),
                    group_digits(records - q.max_records_per_job)
                ),
            ));
        }
        if records_known && records < q.min_records_per_job {
            found.push(job_level(
                RuleCode::Q005,
                format!(
                    "the job has {} record{}, {} short of the model's minimum of {} per job; add records or use on-demand inference",
                    group_digits(records),
                    if records == 1 { "" } else { "s" },
                    group_digits(q.min_records_per_job - records),
                    group_digits(q.min_records_per_job)
                ),
            ));
        }
        for d in found {
            self.push_finding(d);
        }
        let (diagnostics, counts, first_validating) = self.collector.finish();
        if let Some(sink) = self.finding_sink.as_mut() {
            for d in &diagnostics {
                sink(d)?;
            }
        }
        let mut summary = Summary {
            files: self.files.len() as u64,
            records,
            bytes,
            ..Summary::default()
        };
        for (i, &n) in counts.iter().enumerate() {
            if n == 0 {
                continue;
            }
            let info = &RULES[i];
            match info.severity {
                Severity::Error => summary.errors += n,
                Severity::Warning => summary.warnings += n,
                Severity::Info => summary.infos += n,
            }
            summary.by_code.insert(info.code.to_string(), n);
        }
        let total: u64 = counts.iter().sum();
        summary.diagnostics_truncated = total > diagnostics.len() as u64;
        let verdict = match first_validating {
            Some(d) => Verdict {
                status: VerdictStatus::Failed,
                message: Some(d.headline()),
            },
            None => Verdict {
                status: VerdictStatus::Scheduled,
                message: None,
            },
        };
        Ok(Report {
            version: 1,
            tool: Tool {
                name: "bedrock-batch",
                version: env!("CARGO_PKG_VERSION"),
            },
            model_id: self.setup.model_id.clone(),
            family: self.setup.family.clone(),
            invocation_type: self.opts.invocation_type,
            verdict,
            summary,
            quotas: q,
            files: self.files,
            diagnostics,
            job: None,
            first_input: files.first().map(|f| f.display.to_string()),
        })
    }
}
