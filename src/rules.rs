//! The rule table: every finding's stable code, kebab-case name, default severity and phase.
//!
//! This table is a contract (see `design.md`): codes are never renamed or renumbered, only
//! added. Everything else (the CLI's `rules` command, SARIF rule metadata, `--select`) is
//! derived from it, so a rule exists in exactly one place.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// How serious a finding is. Ordered so that `Info < Warning < Error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; never fails a run unless `--fail-on info`.
    Info,
    /// Risky or untidy; fails a run with `--fail-on warning`.
    Warning,
    /// Wrong; fails a run by default.
    Error,
}

impl Severity {
    /// The lower-case name used in reports and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    /// 0 for errors, 1 for warnings, 2 for infos: the order in which summaries count them
    /// and in which `--max-diagnostics` lists them (most severe first).
    pub fn rank(self) -> usize {
        match self {
            Severity::Error => 0,
            Severity::Warning => 1,
            Severity::Info => 2,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// When the service would notice the problem.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// The service's Validating phase fails the whole job.
    Validating,
    /// The record passes Validating but fails when the model is invoked.
    Inference,
    /// Risky or untidy; the service may accept it.
    Hygiene,
}

impl Phase {
    /// The lower-case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Validating => "validating",
            Phase::Inference => "inference",
            Phase::Hygiene => "hygiene",
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Static description of one rule.
#[derive(Debug)]
pub struct RuleInfo {
    /// The stable code, e.g. `L001`.
    pub code: &'static str,
    /// The kebab-case name, e.g. `invalid-json`.
    pub name: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// The phase in which the service would notice it.
    pub phase: Phase,
    /// One line: what it flags.
    pub summary: &'static str,
    /// Why it matters, for `bedrock-batch rules CODE`.
    pub rationale: &'static str,
}

macro_rules! rules {
    ($( $variant:ident => ($code:literal, $name:literal, $sev:ident, $phase:ident, $summary:literal, $why:literal), )*) => {
        /// A rule code. The discriminant order is the table order.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum RuleCode { $( #[doc = $summary] $variant, )* }

        /// Every rule, in table order.
        pub const RULES: &[RuleInfo] = &[
            $( RuleInfo { code: $code, name: $name, severity: Severity::$sev, phase: Phase::$phase,
                          summary: $summary, rationale: $why }, )*
        ];

        impl RuleCode {
            /// Every code, in table order.
            pub const ALL: &'static [RuleCode] = &[ $( RuleCode::$variant, )* ];
        }
    };
}

rules! {
    F001 => ("F001", "not-jsonl-extension", Error, Validating,
        "an input file whose name does not end in `.jsonl`",
        "The service reads only files whose names end in `.jsonl` (case-sensitive); a job whose input is another file fails validation."),
    F002 => ("F002", "no-input-records", Error, Validating,
        "the job has no JSONL file or no record at all",
        "A job needs at least one JSONL file with at least one record; an empty prefix or empty files fail validation."),
    F003 => ("F003", "stray-file", Warning, Hygiene,
        "a non-`.jsonl` file inside an input folder",
        "Everything under the input prefix is read by the service. Media referenced by records may sit there, but stray files (README, _SUCCESS, .csv) are at best ignored and at worst fail the job."),
    F004 => ("F004", "not-jsonl-content", Error, Validating,
        "a file that does not hold JSON lines: a JSON array or pretty-printed document, compressed bytes, UTF-16 text (one finding per file)",
        "A JSON array, a pretty-printed JSON document or a whole pandas table (`DataFrame.to_json()` without `orient=\"records\", lines=True`) saved as `.jsonl`, gzip or zstd bytes in a file whose name does not say so (or piped to standard input), or a UTF-16 export cannot be read as one JSON object per line; the service fails the job in its Validating phase, as it would on the first bad line. Instead of an L001, L002 or L007 on nearly every line, the file gets one finding that says what it holds and how to convert it (`jq -c`, `to_json(orient=\"records\", lines=True)`, `gunzip`, `iconv`); its line findings are not listed. Its lines are still counted as records (as the service counts them), but they are not its records, so the record quotas (Q002, and Q004/Q005 for its job) are judged once it is fixed. Judged from the first 64 KiB, only on strong signals (a compression or UTF-16 mark; a first line that starts a JSON array; a first object that does not close on its line, followed by a line that is not a record; a one-line file that starts as pandas writes a table)."),
    L001 => ("L001", "invalid-json", Error, Validating,
        "a line that is not valid JSON (column = where parsing failed)",
        "Each line must be one JSON object; a single malformed line fails the whole job in its Validating phase."),
    L002 => ("L002", "invalid-utf8", Error, Validating,
        "bytes that are not UTF-8",
        "JSON text exchanged between systems must be UTF-8 (RFC 8259); other encodings (Latin-1, UTF-16 exports) cannot be parsed as the records they look like."),
    L003 => ("L003", "blank-line", Warning, Hygiene,
        "an empty or whitespace-only line",
        "A blank line is not a JSON object; whether the service tolerates it is not documented. `bedrock-batch fix` drops blank lines."),
    L004 => ("L004", "crlf-line-ending", Info, Hygiene,
        "CRLF line ends (once per file, at the first, with the count)",
        "Windows line ends are JSON whitespace and parse, but they add a byte per record to the quota and show up as noise in diffs. `bedrock-batch fix` normalises them."),
    L005 => ("L005", "byte-order-mark", Warning, Hygiene,
        "a UTF-8 BOM at the start of the file",
        "A byte-order mark is not JSON; strict JSON parsers reject the first record of a file that starts with one. `bedrock-batch fix` strips it."),
    L006 => ("L006", "missing-final-newline", Info, Hygiene,
        "the last line has no `\\n`",
        "Files concatenated later (`cat a.jsonl b.jsonl`) would join the last record of one file with the first of the next."),
    L007 => ("L007", "not-an-object", Error, Validating,
        "valid JSON that is not an object",
        "Each record must be a JSON object with `recordId` and `modelInput`; an array, string or number line fails validation."),
    L008 => ("L008", "duplicate-key", Warning, Hygiene,
        "an object with the same key twice",
        "JSON parsers disagree on which of two equal keys wins; the model may see a different value than the one you checked."),
    R001 => ("R001", "missing-model-input", Error, Validating,
        "no `modelInput` key",
        "`modelInput` carries the request body for the model; a record without it cannot be run. A line of the OpenAI Batch API (`custom_id`, `method`, `url`, `body`) is one R001 that says how to convert it (`custom_id` → `recordId`, `body` → `modelInput`), not also R003 and an R007 per key."),
    R002 => ("R002", "model-input-not-object", Error, Validating,
        "`modelInput` is not an object",
        "`modelInput` must be the JSON object that InvokeModel or Converse takes as its body, not a string holding JSON."),
    R003 => ("R003", "missing-record-id", Warning, Hygiene,
        "no `recordId` (the service adds one, but outputs can't be joined back)",
        "Output order is not guaranteed to match input order; without your own recordId you cannot join results back to inputs."),
    R004 => ("R004", "record-id-not-string", Error, Validating,
        "`recordId` is not a string, or is empty",
        "The documented record format has `recordId` as a string; a number, null or empty id is not one."),
    R005 => ("R005", "record-id-format", Info, Hygiene,
        "`recordId`s that are not plain ids (ASCII letters, digits, `- _ . :`, at most 256 characters): once per file, at the first, with the count",
        "Any non-empty string works as a recordId (the newest AWS documentation says only `string`; older pages asked for 11 letters and digits, AWS's own sample uses UUIDs). Ids with spaces, control or non-ASCII characters, other punctuation, or hundreds of characters are easy to mangle when results are joined back to inputs (quoting, trimming, Unicode normalisation in spreadsheets and shells). UUIDs, ULIDs, `REC00000001` and `tenant:doc.pdf:3` are plain and never flagged. Reported once per file, since such ids share one cause (how they were made)."),
    R006 => ("R006", "duplicate-record-id", Error, Inference,
        "a `recordId` already used in this job (message names the first place)",
        "Results are joined back by recordId; two records with the same id make their outputs impossible to tell apart."),
    R007 => ("R007", "unknown-record-key", Warning, Hygiene,
        "a top-level key other than `recordId` and `modelInput`",
        "Extra top-level keys are not part of the documented record format; they are at best ignored and are often a pipeline bug (a key meant for inside `modelInput`)."),
    R008 => ("R008", "record-too-large", Error, Inference,
        "a `modelInput` larger than 25,000,000 bytes (InvokeModel body limit)",
        "InvokeModel bodies are limited to 25,000,000 bytes; a larger record fails when it is run, and eats into the per-file quota."),
    M001 => ("M001", "missing-field", Error, Inference,
        "a field the model's body requires is absent",
        "The Validating phase does not look inside `modelInput`; a body missing a required field passes, then fails record by record while the job still ends `Completed`."),
    M002 => ("M002", "unexpected-field", Error, Inference,
        "a field the model's body does not accept (e.g. `modelId` inside `modelInput`)",
        "Strict models reject unknown keys (\"Extra inputs are not permitted\"), so every record fails at inference. The message names the field the key most likely stands for (\"did you mean\"): the same name in the model's case style (`max_tokens` → `maxTokens` in a Nova `inferenceConfig`), another family's name for the same setting (`max_gen_len` → `max_tokens`), a near spelling, or the object the setting belongs in (`maxTokens` → `inferenceConfig/maxTokens`). When that field is required and missing, the pair is this one finding, not also M001."),
    M003 => ("M003", "wrong-type", Error, Inference,
        "a field of the wrong JSON type",
        "A string where the model expects a number (or the reverse) fails the record at inference."),
    M004 => ("M004", "out-of-range", Error, Inference,
        "a number or length outside its allowed range",
        "Values outside the model's documented ranges are rejected when the record is run."),
    M005 => ("M005", "invalid-value", Error, Inference,
        "a value not among the allowed ones (enum, const, pattern)",
        "The model accepts only the documented values (roles, versions, formats); others fail the record. A gpt-oss body's optional `model` must name the job's model (its id, an inference profile or an ARN of it): \"The value in the model field must match the one in the header\"."),
    M006 => ("M006", "schema-violation", Error, Inference,
        "any other schema failure",
        "The body does not match the model's request schema."),
    M007 => ("M007", "first-message-not-user", Error, Inference,
        "a conversation that does not start with a user turn",
        "Claude, Nova, Mistral chat and Converse require the first message to come from the user. Only roles the model accepts are judged here: a role it refuses (`system` in a Claude conversation) is reported once, as M005."),
    M008 => ("M008", "unsupported-in-converse", Error, Inference,
        "`toolConfig` in a Converse-type job",
        "Batch inference does not support tool calling for Converse-type jobs; records with `toolConfig` fail with a 400 error. Use the InvokeModel type for tools."),
    M009 => ("M009", "unknown-model-id", Warning, Hygiene,
        "`--model-id` matches no catalog entry: bodies not checked",
        "Only ids the catalog lists are known: a mistyped or future id (`anthropic.claude-3.5-sonnet`, `us.anthropic.claude-sonnet-5`) may be refused by the service, so the message names the nearest real ids. Provider catch-alls never make an id batch-capable; bodies are still checked where the provider's body family is certain (Claude, Llama, gpt-oss), otherwise pass `--schema FILE` or add the model to the catalog (docs/models.md)."),
    M010 => ("M010", "model-not-batch-capable", Error, Validating,
        "`--model-id` names a model that cannot run batch inference jobs",
        "CreateModelInvocationJob refuses a model that has no batch support (\"Batch inference is not supported for the requested model\"); AWS's feature matrix lists, e.g., Claude Opus 4 / 4.1, DeepSeek-R1 and Cohere Embed v4 as batch No. `bedrock-batch models ID` shows the source and date."),
    M011 => ("M011", "model-id-form", Error, Validating,
        "the model runs batch jobs only by its base id, or only through an inference profile, and the other form was given",
        "Claude 3.7 Sonnet, Claude 4.x, Nova Premier and Nova 2 Lite run batch jobs only through a cross-region inference profile id (`us.…`); Claude 3 Haiku only by its base id (AWS feature matrix). The message names the id to use."),
    M012 => ("M012", "body-not-checked", Warning, Hygiene,
        "the model is in the catalog but has no body schema, so bodies were not checked",
        "Where AWS documents no InvokeModel request body for a model (Qwen3, DeepSeek V3.x, Devstral, MiniMax, GLM …), wrong bodies would fail record by record at inference unseen. Check them with `--invocation-type Converse` (Converse bodies) or `--schema FILE`."),
    M013 => ("M013", "media-outside-input-folder", Error, Inference,
        "a record references media by `s3://` URI outside the job's input folder, or the job's input is a single `.jsonl` file",
        "AWS requires every S3 resource a prompt references to sit in the same bucket and folder as the input, and `inputDataConfig.s3Uri` to name that folder, not one `.jsonl` file (paths are case-sensitive). Validating does not read `modelInput`, so such records fail one by one at inference. Checked when the input folder is known (`--input-s3-uri`, and `job create`)."),
    M014 => ("M014", "body-shape-mismatch", Error, Inference,
        "a body shaped for another model family or invocation type (one finding instead of its field findings)",
        "A body written for another model family (a Nova body for a Claude model), a Converse request in an InvokeModel job (or the reverse), or an OpenAI Batch API line inside `modelInput` fails every record at inference. The schema alone would report five or six field findings per record that never name the cause; this names the family the body fits and what to change (`--model-id`, `--invocation-type`, or the body). Like the field findings it replaces it is an inference-phase error: the Validating phase does not look inside `modelInput`. An OpenAI Batch API line at the record level (`custom_id`, `method`, `url`, `body` and no `modelInput`) fails Validating, so it is R001, with how to convert it."),
    Q001 => ("Q001", "file-too-large", Error, Validating,
        "a file over the per-file size quota",
        "Each input file must fit the per-file size quota (1 GB by default); a larger one fails the job."),
    Q002 => ("Q002", "file-has-too-many-records", Error, Validating,
        "a file over the records-per-file quota",
        "Each input file may hold at most the records-per-file quota (50,000 by default)."),
    Q003 => ("Q003", "job-too-large", Error, Validating,
        "all files together over the job size quota",
        "All input files of one job together must fit the job size quota (5 GB by default, 100 GB for Nova Pro)."),
    Q004 => ("Q004", "job-has-too-many-records", Error, Validating,
        "all files together over the records-per-job quota",
        "A job may hold at most the records-per-job quota (50,000 by default); use `bedrock-batch shard` to split."),
    Q005 => ("Q005", "job-has-too-few-records", Error, Validating,
        "fewer records than the model's minimum per job",
        "A job needs at least the model's minimum number of records (100 by default, 50 for Llama 4 Scout); smaller batches must use on-demand calls."),
}

impl RuleCode {
    /// The static description of this rule.
    pub fn info(self) -> &'static RuleInfo {
        &RULES[self as usize]
    }

    /// The stable code, e.g. `"L001"`.
    pub fn as_str(self) -> &'static str {
        self.info().code
    }

    /// The kebab-case name, e.g. `"invalid-json"`.
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// The default severity.
    pub fn severity(self) -> Severity {
        self.info().severity
    }

    /// The phase.
    pub fn phase(self) -> Phase {
        self.info().phase
    }
}

impl fmt::Display for RuleCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for RuleCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The files of one fixture input: (name, bytes).
pub type FixtureFiles = &'static [(&'static str, &'static [u8])];

include!(concat!(env!("OUT_DIR"), "/rule_examples.rs"));

/// A failing and a passing example of a rule, from `fixtures/<CODE>/`.
#[derive(Debug)]
pub struct RuleExample {
    /// The flags the examples are checked with.
    pub args: Vec<String>,
    /// Other flags for the passing example, when it differs from the failing one by a flag
    /// (`pass_args` in `case.json`; e.g. M010 passes with a batch-capable model id).
    pub pass_args: Option<Vec<String>>,
    /// A remark on the example.
    pub note: Option<String>,
    /// Failing input: (name, bytes) per file.
    pub fail: &'static [(&'static str, &'static [u8])],
    /// Passing input: (name, bytes) per file.
    pub pass: &'static [(&'static str, &'static [u8])],
}

/// The example of `code`, when its fixture was embedded at build time.
pub fn example(code: RuleCode) -> Option<RuleExample> {
    let (_, case, fail, pass) = RULE_EXAMPLES.iter().find(|(c, ..)| *c == code.as_str())?;
    let case: serde_json::Value = serde_json::from_str(case).ok()?;
    let strings = |v: &serde_json::Value| -> Option<Vec<String>> {
        v.as_array().map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
    };
    Some(RuleExample {
        args: strings(&case["args"]).unwrap_or_default(),
        pass_args: strings(&case["pass_args"]),
        note: case["note"].as_str().map(str::to_string),
        fail,
        pass,
    })
}

/// Error for a string that names no rule.
#[derive(Debug, thiserror::Error)]
#[error("unknown rule code `{0}`; run `bedrock-batch rules` for the list")]
pub struct UnknownRule(pub String);

impl FromStr for RuleCode {
    type Err = UnknownRule;

    /// Accepts a code (`L001`, case-insensitive) or a rule name (`invalid-json`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RuleCode::ALL
            .iter()
            .copied()
            .find(|c| c.as_str().eq_ignore_ascii_case(s) || c.name() == s)
            .ok_or_else(|| UnknownRule(s.to_string()))
    }
}

/// Which rules are reported: `--select` and `--ignore`, resolved once into a bit set.
#[derive(Clone, Debug)]
pub struct RuleSelection {
    enabled: [bool; RULES.len()],
}

impl Default for RuleSelection {
    fn default() -> Self {
        RuleSelection {
            enabled: [true; RULES.len()],
        }
    }
}

impl RuleSelection {
    /// Builds a selection from `--select` and `--ignore` selectors. A selector is a full code
    /// (`R005`), a code prefix (`R`, `Q00`), a rule name (`blank-line`) or `ALL`. An empty
    /// `select` means every rule. `ignore` wins over `select`.
    pub fn new(select: &[String], ignore: &[String]) -> Result<Self, UnknownRule> {
        let mut enabled = [select.is_empty(); RULES.len()];
        for sel in select {
            for code in matching(sel)? {
                enabled[code as usize] = true;
            }
        }
        for sel in ignore {
            for code in matching(sel)? {
                enabled[code as usize] = false;
            }
        }
        Ok(RuleSelection { enabled })
    }

    /// This selection with `codes` turned off (for commands whose output fixes what those
    /// rules find, e.g. `shard` and the quota rules).
    pub fn without(mut self, codes: &[RuleCode]) -> Self {
        for &code in codes {
            self.enabled[code as usize] = false;
        }
        self
    }

    /// Whether findings of `code` are reported.
    #[inline]
    pub fn is_enabled(&self, code: RuleCode) -> bool {
        self.enabled[code as usize]
    }
}

/// The codes a selector names; an error if it names none.
fn matching(selector: &str) -> Result<Vec<RuleCode>, UnknownRule> {
    let sel = selector.trim();
    let codes: Vec<RuleCode> = if sel.eq_ignore_ascii_case("all") {
        RuleCode::ALL.to_vec()
    } else {
        RuleCode::ALL
            .iter()
            .copied()
            .filter(|c| {
                c.name() == sel
                    || (!sel.is_empty()
                        && c.as_str().len() >= sel.len()
                        && c.as_str()[..sel.len()].eq_ignore_ascii_case(sel))
            })
            .collect()
    };
    if codes.is_empty() {
        Err(UnknownRule(selector.to_string()))
    } else {
        Ok(codes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_in_enum_order_and_codes_are_unique() {
        for (i, code) in RuleCode::ALL.iter().enumerate() {
            assert_eq!(*code as usize, i);
            assert_eq!(format!("{code:?}"), code.as_str());
        }
        let mut names: Vec<_> = RULES.iter().map(|r| r.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), RULES.len());
    }

    #[test]
    fn selectors_take_codes_prefixes_and_names() {
        let sel = RuleSelection::new(&["R".into()], &["R005".into(), "blank-line".into()]).unwrap();
        assert!(sel.is_enabled(RuleCode::R001));
        assert!(!sel.is_enabled(RuleCode::R005));
        assert!(!sel.is_enabled(RuleCode::L001));
        let sel = RuleSelection::new(&[], &["blank-line".into()]).unwrap();
        assert!(!sel.is_enabled(RuleCode::L003));
        assert!(sel.is_enabled(RuleCode::L001));
        assert!(RuleSelection::new(&["X9".into()], &[]).is_err());
        assert_eq!("l001".parse::<RuleCode>().unwrap(), RuleCode::L001);
    }
}
