//! The join: every input record by `recordId`, and what the output said about it.
//!
//! The input is scanned once by the `validate` engine ([`JobRun`]); from its chunk results
//! ([`ChunkResult::ids`]) the index keeps, per record, the place of its line and of its id
//! in the line, and maps a 128-bit hash of the decoded id (the hash `validate` uses for
//! duplicate ids) to the record. Lines are never kept: `--retry` and `--joined` read them
//! again by offset. Inputs that cannot be read twice (standard input, compressed files) are
//! spooled, decompressed, to an anonymous temporary file while they are scanned, and only when
//! a file is to be written.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{BufWriter, Write};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::input::{Compression, InputFile, SourceSpec};
use crate::json::{decode_string_contents, Scanned, Scanner};
use crate::rules::{RuleCode, RuleSelection};
use crate::scan::{ChunkResult, LineStatus};
use crate::text::{shorten, UTF8_BOM};
use crate::validate::{FileSummary, JobRun, JobSetup, Progress, ValidateOptions};

use super::ResultsOptions;

/// What happened to an input record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum Status {
    /// No output line mentions it.
    Missing,
    /// Its output line has a `modelOutput`.
    Succeeded,
    /// Its output line has an `error`.
    Failed,
}

impl Status {
    /// The name used in the summary and in `--joined`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Missing => "missing",
            Status::Succeeded => "succeeded",
            Status::Failed => "failed",
        }
    }
}

/// One input record that can be joined (it has a string `recordId` not seen before).
#[derive(Clone, Copy, Debug)]
pub struct InputRecord {
    /// Offset of its line in its (decompressed) file.
    pub offset: u64,
    /// Length of the line, its line end included.
    pub len: u64,
    /// Index of the file in [`InputIndex::files`].
    pub file: u32,
    /// Offset of the `recordId` JSON string (its opening quote) in the line.
    pub id_offset: u32,
    /// Length of that JSON string, quotes included.
    pub id_len: u32,
    /// For failed records: index of the `errorCode` in [`Joiner::codes`].
    pub code: u16,
    /// What the output said.
    pub status: Status,
}

/// Input records that cannot be joined to their output, counted, with the first place.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Unjoinable {
    /// How many.
    pub count: u64,
    /// By reason (`no recordId`, `recordId not a string`, `not JSON`, ...).
    pub by_reason: BTreeMap<String, u64>,
    /// The first one: `path:line` and what is wrong there.
    pub first: Option<String>,
}

/// 128-bit id hashes are already uniform: the map uses them as they are.
#[derive(Default)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 ^= n;
    }
}

/// `recordId` hash (as two halves, so an entry is 24 bytes, not 32) → record index.
type IdMap = HashMap<(u64, u64), u32, BuildHasherDefault<IdHasher>>;

fn key(hash: u128) -> (u64, u64) {
    ((hash >> 64) as u64, hash as u64)
}

/// Every input record, by place and by id.
pub struct InputIndex {
    /// The input set, stray files included (indexes match the engine's).
    pub files: Vec<InputFile>,
    /// Per read file: records and bytes.
    pub summaries: Vec<FileSummary>,
    /// Non-blank input lines: every record the service counts.
    pub total_records: u64,
    /// The records that can be joined, in input order.
    pub records: Vec<InputRecord>,
    map: IdMap,
    /// Records without a usable `recordId`.
    pub no_id: Unjoinable,
    /// Records whose `recordId` an earlier record already has: only the first is joined.
    pub repeated: Unjoinable,
    /// Per file: the spooled copy of an input that cannot be read twice.
    pub spools: Vec<Option<File>>,
}

impl InputIndex {
    /// Scans the input with the `validate` engine. `keep_lines`: inputs that cannot be read
    /// again by offset are spooled, for `--retry` and `--joined`.
    pub fn build(
        files: &[InputFile],
        opts: &ResultsOptions,
        keep_lines: bool,
        progress: &dyn Progress,
    ) -> Result<InputIndex> {
        // Only the rules that say why a record has no usable id: their counts are the reasons.
        // Every other check (quotas, duplicate ids, which the join finds itself) is off. The
        // first unjoinable record is found from the line statuses, not from the listed
        // findings, whose order favours severity.
        let rules = RuleSelection::new(
            &["L001", "L002", "L007", "R003", "R004"].map(String::from),
            &[],
        )
        .expect("known rule codes");
        let vopts = ValidateOptions {
            rules,
            max_diagnostics: 1,
            threads: opts.threads,
            chunk_size: opts.chunk_size,
            mmap: opts.mmap,
            stdin_name: opts.stdin_name.clone(),
            ..ValidateOptions::default()
        };
        let setup = JobSetup::new(&vopts)?;
        let mut builder = Builder {
            files,
            current: None,
            base: 0,
            lines: 0,
            records: Vec::new(),
            map: IdMap::default(),
            repeated: Unjoinable::default(),
            first_no_id: None,
            spools: files
                .iter()
                .map(|f| {
                    let needs = keep_lines
                        && !f.is_stray
                        // Inputs that cannot be read again by offset: standard input, S3
                        // objects (streamed) and compressed files.
                        && (!matches!(f.source, SourceSpec::Path(_))
                            || f.compression() != Compression::None);
                    needs
                        .then(|| tempfile::tempfile().map(|t| BufWriter::with_capacity(1 << 20, t)))
                        .transpose()
                })
                .collect::<std::io::Result<_>>()
                .map_err(|e| Error::write(std::env::temp_dir(), e))?,
        };
        let mut run = JobRun::new(&vopts, &setup).with_line_status();
        run.scan_all(files, progress, &mut |file, chunk, result| {
            builder.chunk(file, chunk, result)
        })?;
        let report = run.finish(files);
        let mut no_id = Unjoinable::default();
        for (code, reason) in [
            (RuleCode::L001, "not valid JSON"),
            (RuleCode::L002, "not UTF-8"),
            (RuleCode::L007, "not a JSON object"),
            (RuleCode::R003, "no recordId"),
            (RuleCode::R004, "recordId not a non-empty string"),
        ] {
            if let Some(&n) = report.summary.by_code.get(code.as_str()) {
                no_id.count += n;
                no_id.by_reason.insert(reason.to_string(), n);
            }
        }
        no_id.first = builder.first_no_id.take();
        let mut spools = Vec::with_capacity(builder.spools.len());
        for s in builder.spools {
            spools.push(match s {
                Some(w) => Some(
                    w.into_inner()
                        .map_err(|e| Error::write(std::env::temp_dir(), e.into_error()))?,
                ),
                None => None,
            });
        }
        Ok(InputIndex {
            files: files.to_vec(),
            summaries: report.files,
            total_records: report.summary.records,
            records: builder.records,
            map: builder.map,
            no_id,
            repeated: builder.repeated,
            spools,
        })
    }

    /// The record with this `recordId` hash.
    pub fn find(&self, hash: u128) -> Option<u32> {
        self.map.get(&key(hash)).copied()
    }
}

/// The engine's chunk sink while the input is scanned.
struct Builder<'a> {
    files: &'a [InputFile],
    current: Option<u32>,
    /// Offset of the next chunk in the current file.
    base: u64,
    /// Lines of the current file before the next chunk.
    lines: u64,
    records: Vec<InputRecord>,
    map: IdMap,
    repeated: Unjoinable,
    spools: Vec<Option<BufWriter<File>>>,
    /// `path:line: why` of the first record without a usable id.
    first_no_id: Option<String>,
}

impl Builder<'_> {
    fn chunk(&mut self, file: u32, chunk: &[u8], result: &ChunkResult) -> Result<()> {
        if self.current != Some(file) {
            self.current = Some(file);
            self.base = 0;
            self.lines = 0;
        }
        if let Some(spool) = self.spools[file as usize].as_mut() {
            spool
                .write_all(chunk)
                .map_err(|e| Error::write(std::env::temp_dir(), e))?;
        }
        if self.first_no_id.is_none() {
            self.find_first_without_id(file, chunk, result);
        }
        self.map.reserve(result.ids.len());
        for id in &result.ids {
            let end = memchr::memchr(b'\n', &chunk[id.line_start..])
                .map_or(chunk.len(), |i| id.line_start + i + 1);
            let (Ok(id_offset), Ok(id_len)) = (
                u32::try_from(id.span.0 - id.line_start),
                u32::try_from(id.span.1 - id.span.0),
            ) else {
                return Err(self.too_big(
                    file,
                    id.rel_line,
                    "a recordId more than 4 GiB into its line",
                ));
            };
            let Ok(index) = u32::try_from(self.records.len()) else {
                return Err(self.too_big(file, id.rel_line, "more than 4 billion records"));
            };
            match self.map.entry(key(id.hash)) {
                std::collections::hash_map::Entry::Occupied(_) => {
                    self.repeated.count += 1;
                    if self.repeated.first.is_none() {
                        let text = decode_string_contents(
                            &chunk[id.span.0 + 1..id.span.1 - 1],
                            id.escaped,
                        );
                        self.repeated.first = Some(format!(
                            "{}:{}: recordId \"{}\" is already used by an earlier record",
                            self.files[file as usize].display,
                            self.lines + id.rel_line + 1,
                            shorten(&text, 60)
                        ));
                    }
                }
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(index);
                    self.records.push(InputRecord {
                        offset: self.base + id.line_start as u64,
                        len: (end - id.line_start) as u64,
                        file,
                        id_offset,
                        id_len,
                        code: 0,
                        status: Status::Missing,
                    });
                }
            }
        }
        self.lines += result.newlines;
        self.base += chunk.len() as u64;
        Ok(())
    }

    /// Notes the first record line of the chunk that has no id entry. Statuses are one per
    /// line (blank ones included), ids one per line that has a usable one, both in line order.
    fn find_first_without_id(&mut self, file: u32, chunk: &[u8], result: &ChunkResult) {
        let mut ids = result.ids.iter().map(|id| id.rel_line).peekable();
        let mut start = if self.base == 0 && chunk.starts_with(UTF8_BOM) {
            UTF8_BOM.len()
        } else {
            0
        };
        for (rel, status) in (0u64..).zip(&result.line_status) {
            let end = memchr::memchr(b'\n', &chunk[start..]).map_or(chunk.len(), |i| start + i);
            if ids.peek() == Some(&rel) {
                ids.next();
            } else if *status != LineStatus::Blank {
                self.first_no_id = Some(format!(
                    "{}:{}: {}",
                    self.files[file as usize].display,
                    self.lines + rel + 1,
                    why_no_id(&chunk[start..end])
                ));
                return;
            }
            start = (end + 1).min(chunk.len());
        }
    }

    /// Past what the index can hold (the engine passes the error on as it is).
    fn too_big(&self, file: u32, rel_line: u64, what: &str) -> Error {
        Error::Config(format!(
            "{}:{}: {what}; results cannot index it",
            self.files[file as usize].display,
            self.lines + rel_line + 1
        ))
    }
}

/// Why a record line has no usable `recordId`, in the words of the summary's reasons.
fn why_no_id(line: &[u8]) -> &'static str {
    if simdutf8::basic::from_utf8(line).is_err() {
        return "not UTF-8";
    }
    match Scanner::new().scan(line) {
        Scanned::Invalid(_) => "not valid JSON",
        Scanned::NotObject(_) => "not a JSON object",
        Scanned::Object(env) => match env.record_id {
            None => "no recordId",
            Some(_) => "recordId not a non-empty string",
        },
    }
}

/// Where a record's output line is, for `--joined`.
#[derive(Clone, Copy, Debug, Default)]
pub struct OutputPlace {
    /// Index of the output file.
    pub file: u32,
    /// Offset of the line.
    pub offset: u64,
    /// Length of the line (without its line end).
    pub len: u64,
}

/// What an output line says about its record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A `modelOutput`, with the usage it reports (input, output tokens), if any.
    Succeeded(Option<(u64, u64)>),
    /// An `error`, with the index of its `errorCode` in the chunk's code list.
    Failed(u16),
}

/// Counts of the five outcomes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
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
}

/// The first place of something, with how many there are.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Noted {
    /// How many.
    pub count: u64,
    /// The first: `path:line` and what it is.
    pub first: Option<String>,
}

impl Noted {
    fn note(&mut self, first: impl FnOnce() -> String) {
        self.count += 1;
        if self.first.is_none() {
            self.first = Some(first());
        }
    }
}

/// Usage summed over output lines with a `modelOutput`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct UsageTotals {
    /// Input tokens reported by the outputs that report usage.
    pub input_tokens: u64,
    /// Output tokens reported by them.
    pub output_tokens: u64,
    /// Output lines with a `modelOutput`.
    pub outputs: u64,
    /// How many of them report usage.
    pub outputs_with_usage: u64,
}

/// The join as the output is read, merged in output order.
pub struct Joiner {
    /// The input side.
    pub index: InputIndex,
    /// Per record, where its output line is (only for `--joined`).
    pub places: Option<Vec<OutputPlace>>,
    /// `errorCode`s seen, as written (`"400"`), in order of first appearance.
    pub codes: Vec<String>,
    code_index: HashMap<String, u16>,
    /// Per code: failed records, and the first message.
    pub failures: Vec<(u64, String)>,
    /// The five counts (`missing` is set by [`Joiner::finish`]).
    pub counts: Counts,
    /// Output lines with a `modelOutput` (joined or not).
    pub output_lines: u64,
    /// Output lines with an `error` (joined or not).
    pub error_lines: u64,
    /// Output lines that are not a readable output record.
    pub unreadable: Noted,
    /// Last lines cut short (the job still writing).
    pub truncated: Noted,
    /// The first unknown line.
    pub first_unknown: Option<String>,
    /// The first duplicate line.
    pub first_duplicate: Option<String>,
    /// Usage from the outputs.
    pub usage: UsageTotals,
}

impl Joiner {
    /// A join over `index`; `keep_places` for `--joined`.
    pub fn new(index: InputIndex, keep_places: bool) -> Joiner {
        let places = keep_places.then(|| vec![OutputPlace::default(); index.records.len()]);
        Joiner {
            index,
            places,
            codes: Vec::new(),
            code_index: HashMap::new(),
            failures: Vec::new(),
            counts: Counts::default(),
            output_lines: 0,
            error_lines: 0,
            unreadable: Noted::default(),
            truncated: Noted::default(),
            first_unknown: None,
            first_duplicate: None,
            usage: UsageTotals::default(),
        }
    }

    /// The index of `code` in [`Joiner::codes`].
    pub fn code(&mut self, code: &str, message: &str) -> u16 {
        if let Some(&i) = self.code_index.get(code) {
            return i;
        }
        // 65,535 distinct codes is far past anything the service sends; the rest share one.
        let i = u16::try_from(self.codes.len()).unwrap_or(u16::MAX);
        if usize::from(i) == self.codes.len() {
            self.codes.push(code.to_string());
            self.failures.push((0, message.to_string()));
            self.code_index.insert(code.to_string(), i);
        }
        i
    }

    /// One output record line, in output order. `id` is shown in messages; `at` is
    /// `path:line`.
    pub fn line(
        &mut self,
        hash: u128,
        outcome: Outcome,
        place: OutputPlace,
        id: impl FnOnce() -> String,
        at: impl FnOnce() -> String,
    ) {
        match outcome {
            Outcome::Succeeded(usage) => {
                self.output_lines += 1;
                self.usage.outputs += 1;
                if let Some((i, o)) = usage {
                    self.usage.outputs_with_usage += 1;
                    self.usage.input_tokens += i;
                    self.usage.output_tokens += o;
                }
            }
            Outcome::Failed(_) => self.error_lines += 1,
        }
        let Some(index) = self.index.find(hash) else {
            self.counts.unknown += 1;
            if self.first_unknown.is_none() {
                self.first_unknown = Some(format!(
                    "{}: recordId \"{}\" is not in the input",
                    at(),
                    shorten(&id(), 60)
                ));
            }
            return;
        };
        let record = &mut self.index.records[index as usize];
        if record.status != Status::Missing {
            self.counts.duplicates += 1;
            if self.first_duplicate.is_none() {
                self.first_duplicate = Some(format!(
                    "{}: a second output line for recordId \"{}\" (the first counts)",
                    at(),
                    shorten(&id(), 60)
                ));
            }
            return;
        }
        match outcome {
            Outcome::Succeeded(_) => {
                record.status = Status::Succeeded;
                self.counts.succeeded += 1;
            }
            Outcome::Failed(code) => {
                record.status = Status::Failed;
                record.code = code;
                self.counts.failed += 1;
                if let Some(f) = self.failures.get_mut(usize::from(code)) {
                    f.0 += 1;
                }
            }
        }
        if let Some(places) = self.places.as_mut() {
            places[index as usize] = place;
        }
    }

    /// A line that is not an output record.
    pub fn unreadable(&mut self, first: impl FnOnce() -> String) {
        self.unreadable.note(first);
    }

    /// A last line cut short.
    pub fn truncated(&mut self, first: impl FnOnce() -> String) {
        self.truncated.note(first);
    }

    /// Counts the records no line mentioned.
    pub fn finish(&mut self) {
        self.counts.missing = self
            .index
            .records
            .iter()
            .filter(|r| r.status == Status::Missing)
            .count() as u64;
    }
}
