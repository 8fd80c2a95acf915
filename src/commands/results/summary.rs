//! The summary of a job's results (`--format json` prints it as it is): the five counts,
//! failures by `errorCode`, tokens, and the manifest's counters checked against what was
//! counted.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::text::group_digits;
use crate::validate::{FileSummary, Tool};

use super::folder::{display, Manifest, OutputFolder};
use super::join::{Joiner, Noted, Unjoinable, UsageTotals};
use super::ResultsOptions;

/// What `results` found.
#[derive(Clone, Debug, Serialize)]
pub struct ResultsSummary {
    /// Format version of this document.
    pub version: u32,
    /// The tool.
    pub tool: Tool,
    /// The model id, as given.
    pub model_id: Option<String>,
    /// The output folder, as given.
    pub output: String,
    /// Input records (non-blank lines) and the five counts.
    pub counts: SummaryCounts,
    /// Failed input records per `errorCode` (the code as written, e.g. `"400"`).
    pub failures: BTreeMap<String, u64>,
    /// The first `errorMessage` of each code.
    pub failure_samples: BTreeMap<String, String>,
    /// Token totals.
    pub tokens: Tokens,
    /// The manifest's counters, when there is a manifest.
    pub manifest: Option<Manifest>,
    /// Where the manifest's counters and what was counted disagree.
    pub disagreements: Vec<Disagreement>,
    /// Input records that cannot be joined: no usable `recordId`.
    pub not_joinable: Unjoinable,
    /// Input records whose `recordId` an earlier record has (only the first is joined).
    pub repeated_ids: Unjoinable,
    /// The first output line whose `recordId` is not in the input.
    pub first_unknown: Option<String>,
    /// The first duplicate output line.
    pub first_duplicate: Option<String>,
    /// Output lines that are not output records (not JSON, no `recordId`, ...).
    pub unreadable_output_lines: Noted,
    /// Output files whose last line is cut short (the job still writing).
    pub truncated: Noted,
    /// The input files read.
    pub input_files: Vec<FileSummary>,
    /// The output files read.
    pub output_files: Vec<OutputFileSummary>,
    /// Files in the output folder that are neither output nor manifest.
    pub other_output_files: u64,
    /// The retry file, when written.
    pub retry: Option<Written>,
    /// The joined file, when written.
    pub joined: Option<Written>,
}

/// Input records and the five counts, by the contract's names.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SummaryCounts {
    /// Non-blank input lines.
    pub input_records: u64,
    /// Input records with a `modelOutput` line.
    pub succeeded: u64,
    /// Input records with an `error` line.
    pub failed: u64,
    /// Input records no output line mentions.
    pub missing: u64,
    /// Output lines whose `recordId` is not in the input.
    pub unknown: u64,
    /// Output lines for a record that already had one.
    pub duplicates: u64,
    /// Input records that cannot be joined (no usable or a repeated `recordId`).
    pub not_joinable: u64,
}

/// Token totals from the manifest and from the outputs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Tokens {
    /// The manifest's `inputTokenCount`.
    pub manifest_input: Option<u64>,
    /// The manifest's `outputTokenCount`.
    pub manifest_output: Option<u64>,
    /// Summed from the `usage` of every output line with a `modelOutput`.
    pub records: UsageTotals,
}

/// A manifest counter that does not match what was counted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Disagreement {
    /// The manifest's name for it (`successRecordCount`).
    pub counter: &'static str,
    /// What the manifest says.
    pub manifest: u64,
    /// What was counted.
    pub counted: u64,
    /// The two, in words.
    pub message: String,
}

/// An output file read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OutputFileSummary {
    /// Its path.
    pub path: String,
    /// Its size.
    pub bytes: u64,
}

/// A file `results` wrote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Written {
    /// Where.
    pub path: String,
    /// Lines written.
    pub records: u64,
    /// Bytes written.
    pub bytes: u64,
    /// For the retry file: which records it takes (`--retry-only`, default `failed,missing`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selection: Option<String>,
}

impl ResultsSummary {
    /// Whether every input record succeeded: none failed, missing or unjoinable, and no
    /// output line is unknown (exit code 0).
    pub fn all_succeeded(&self) -> bool {
        let c = &self.counts;
        c.failed == 0 && c.missing == 0 && c.unknown == 0 && c.not_joinable == 0
    }
}

/// The summary of a finished join (without the written files).
pub fn build(
    opts: &ResultsOptions,
    folder: &OutputFolder,
    manifest: Option<&Manifest>,
    joiner: &Joiner,
) -> ResultsSummary {
    let index = &joiner.index;
    let c = &joiner.counts;
    let counts = SummaryCounts {
        input_records: index.total_records,
        succeeded: c.succeeded,
        failed: c.failed,
        missing: c.missing,
        unknown: c.unknown,
        duplicates: c.duplicates,
        not_joinable: index.no_id.count + index.repeated.count,
    };
    let mut failures = BTreeMap::new();
    let mut failure_samples = BTreeMap::new();
    for (code, (n, sample)) in joiner.codes.iter().zip(&joiner.failures) {
        if *n > 0 {
            failures.insert(code.clone(), *n);
            failure_samples.insert(code.clone(), sample.clone());
        }
    }
    let tokens = Tokens {
        manifest_input: manifest.and_then(|m| m.input_token_count),
        manifest_output: manifest.and_then(|m| m.output_token_count),
        records: joiner.usage.clone(),
    };
    let disagreements = manifest.map_or_else(Vec::new, |m| check(m, joiner, &counts));
    ResultsSummary {
        version: 1,
        tool: Tool {
            name: "bedrock-batch",
            version: env!("CARGO_PKG_VERSION"),
        },
        model_id: opts.model_id.clone(),
        output: display(&folder.root),
        counts,
        failures,
        failure_samples,
        tokens,
        manifest: manifest.cloned(),
        disagreements,
        not_joinable: index.no_id.clone(),
        repeated_ids: index.repeated.clone(),
        first_unknown: joiner.first_unknown.clone(),
        first_duplicate: joiner.first_duplicate.clone(),
        unreadable_output_lines: joiner.unreadable.clone(),
        truncated: joiner.truncated.clone(),
        input_files: index.summaries.clone(),
        output_files: folder
            .files
            .iter()
            .map(|f| OutputFileSummary {
                path: f.display.clone(),
                bytes: f.bytes,
            })
            .collect(),
        other_output_files: folder.other_files,
        retry: None,
        joined: None,
    }
}

/// The manifest's counters against what was counted. Record counters are compared with
/// output lines (unknown and duplicate ones included: the service counted them too); token
/// counters only when every output line reported usage, since otherwise the sum is partial
/// by construction.
fn check(m: &Manifest, j: &Joiner, counts: &SummaryCounts) -> Vec<Disagreement> {
    let mut out = Vec::new();
    let mut compare = |counter: &'static str, manifest: Option<u64>, counted: u64, what: &str| {
        if let Some(manifest) = manifest {
            if manifest != counted {
                out.push(Disagreement {
                    counter,
                    manifest,
                    counted,
                    message: format!(
                        "manifest.json.out says {counter} {}, but {}",
                        group_digits(manifest),
                        what.replace("{}", &group_digits(counted))
                    ),
                });
            }
        }
    };
    compare(
        "totalRecordCount",
        m.total_record_count,
        counts.input_records,
        "the input has {} records",
    );
    compare(
        "processedRecordCount",
        m.processed_record_count,
        j.output_lines + j.error_lines,
        "{} output lines have a modelOutput or an error",
    );
    compare(
        "successRecordCount",
        m.success_record_count,
        j.output_lines,
        "{} output lines have a modelOutput",
    );
    compare(
        "errorRecordCount",
        m.error_record_count,
        j.error_lines,
        "{} output lines have an error",
    );
    let u = &j.usage;
    if u.outputs > 0 && u.outputs_with_usage == u.outputs {
        compare(
            "inputTokenCount",
            m.input_token_count,
            u.input_tokens,
            "the outputs' usage adds up to {}",
        );
        compare(
            "outputTokenCount",
            m.output_token_count,
            u.output_tokens,
            "the outputs' usage adds up to {}",
        );
    }
    out
}
