//! The second pass: each line read again, its envelope rebuilt where it needs a change
//! (`modelInput` copied byte for byte), and the line written to the output, the rejected file
//! or the id map.

use super::report::{change_note, remaining_note};
use super::*;
use crate::error::{Error, Result};
use crate::input::{self, InputFile, Opened, SourceSpec};
use crate::json::ValueKind;
use crate::json::{char_column, decode_string_contents, Envelope, Member, Scanner};
use crate::rules::RuleCode;
use crate::scan::{
    classify_line, classify_model_input, hex_bytes, is_oversized_body, strip_bom, strip_crlf,
    LineClass, ModelInput,
};
use crate::validate::{Progress, Tool};
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

/// One destination being written, with its side files.
pub(super) struct Unit {
    pub(super) output: AtomicFile,
    pub(super) rejected: Option<AtomicFile>,
    pub(super) id_map: Option<AtomicFile>,
    pub(super) rejected_path: PathBuf,
    pub(super) id_map_path: PathBuf,
    pub(super) dry_run: bool,
    /// In place, side files are appended to: the original is gone, so the rejected lines
    /// and old ids of an earlier run exist only there.
    pub(super) in_place: bool,
}

/// A [`Unit`] whose files are written (and, in place, synced), waiting for the re-check.
pub(super) struct DoneUnit {
    pub(super) output: Option<Finished>,
    pub(super) rejected: Option<Finished>,
    pub(super) id_map: Option<Finished>,
    /// Side files of an earlier run that this run does not write.
    pub(super) stale: Vec<PathBuf>,
    pub(super) outputs_written: Vec<OutputSummary>,
}

impl Unit {
    pub(super) fn reject_line(&mut self, line: &[u8]) -> Result<()> {
        if self.rejected.is_none() {
            self.rejected = Some(AtomicFile::create(
                "rejected",
                &self.rejected_path,
                None,
                self.dry_run,
                self.in_place,
                self.in_place,
            )?);
        }
        self.rejected.as_mut().expect("created").line(line)
    }

    pub(super) fn id_map_line(&mut self, line: &[u8]) -> Result<()> {
        if self.id_map.is_none() {
            self.id_map = Some(AtomicFile::create(
                "id-map",
                &self.id_map_path,
                None,
                self.dry_run,
                self.in_place,
                self.in_place,
            )?);
        }
        self.id_map.as_mut().expect("created").line(line)
    }

    pub(super) fn finish(self) -> Result<DoneUnit> {
        // With --out the input still holds everything a stale side file held, so it can go;
        // in place it is the only copy, so it stays.
        let mut stale = Vec::new();
        if self.rejected.is_none() && !self.in_place {
            stale.push(self.rejected_path);
        }
        if self.id_map.is_none() && !self.in_place {
            stale.push(self.id_map_path);
        }
        Ok(DoneUnit {
            output: Some(self.output.finish()?),
            rejected: self.rejected.map(AtomicFile::finish).transpose()?,
            id_map: self.id_map.map(AtomicFile::finish).transpose()?,
            stale,
            outputs_written: Vec::new(),
        })
    }
}

/// Where the second pass reads a file from.
pub(super) enum Source<'a> {
    /// The input itself.
    Input,
    /// The copy of standard input made by the first pass.
    Spool(&'a mut File),
}

/// What happens to a line's `recordId`.
pub(super) enum IdOut {
    /// No `recordId`, and none is added.
    Absent,
    /// The original member's bytes.
    Keep(usize, usize),
    /// A new id (validated: letters, digits and `-` only, so no escaping).
    New(String),
}

/// The second pass: reads lines, repairs, writes.
pub(super) struct Fixer<'o> {
    pub(super) opts: &'o FixOptions,
    pub(super) ids: Option<ids::IdGenerator>,
    pub(super) scanner: Scanner,
    /// Hashes of the ids written so far (the first use of an id keeps it).
    pub(super) written_ids: HashSet<u128>,
    pub(super) changes: Tallies,
    pub(super) remaining: Tallies,
    pub(super) rejected: Vec<RejectedLine>,
    pub(super) inputs: Vec<InputSummary>,
    pub(super) buf: Vec<u8>,
}

impl<'o> Fixer<'o> {
    pub(super) fn new(opts: &'o FixOptions, ids: Option<ids::IdGenerator>) -> Self {
        Fixer {
            opts,
            ids,
            // Details of at most this many repeated keys per line: hostile lines with
            // hundreds of thousands of nested repeats must not cost gigabytes; the rest are
            // counted (the summary's L008 count), which is all `fix` needs of them.
            scanner: Scanner::with_limits(4096, 4096),
            written_ids: HashSet::new(),
            changes: Tallies::new(),
            remaining: Tallies::new(),
            rejected: Vec::new(),
            inputs: Vec::new(),
            buf: Vec::new(),
        }
    }

    pub(super) fn file(
        &mut self,
        unit: &mut Unit,
        file: &InputFile,
        source: Source<'_>,
        progress: &dyn Progress,
    ) -> Result<()> {
        let path: PathBuf = match &file.source {
            SourceSpec::Path(p) => p.clone(),
            SourceSpec::Stdin => PathBuf::from("-"),
            SourceSpec::Remote(_) => PathBuf::from(&*file.display),
        };
        let shown: &str = &file.display;
        let mut stats = InputSummary::default();
        let mut pending = 0u64;
        let mut on_line = |fixer: &mut Self, raw: &[u8], terminated: bool| -> Result<()> {
            stats.bytes += raw.len() as u64 + u64::from(terminated);
            pending += raw.len() as u64 + 1;
            if pending >= 1 << 20 {
                progress.advance(pending);
                pending = 0;
            }
            stats.lines += 1;
            fixer.line(unit, shown, &mut stats, raw, terminated)
        };
        match source {
            Source::Spool(f) => each_line(BufReader::with_capacity(1 << 20, f), &path, |r, t| {
                on_line(self, r, t)
            })?,
            Source::Input => match input::open(&file.source, self.opts.mmap)? {
                Opened::Empty => {}
                Opened::Mapped(map) => {
                    let data: &[u8] = &map;
                    let mut start = 0;
                    while start < data.len() {
                        let (end, next, t) = match memchr::memchr(b'\n', &data[start..]) {
                            Some(i) => (start + i, start + i + 1, true),
                            None => (data.len(), data.len(), false),
                        };
                        on_line(self, &data[start..end], t)?;
                        start = next;
                    }
                }
                Opened::Stream(r) => {
                    each_line(BufReader::with_capacity(1 << 20, r), &path, |r, t| {
                        on_line(self, r, t)
                    })?
                }
            },
        }
        progress.advance(pending);
        stats.path = shown.to_string();
        self.inputs.push(stats);
        Ok(())
    }

    /// One physical line (without its `\n`).
    pub(super) fn line(
        &mut self,
        unit: &mut Unit,
        path: &str,
        stats: &mut InputSummary,
        raw: &[u8],
        terminated: bool,
    ) -> Result<()> {
        let line_no = stats.lines;
        let mut text = raw;
        if line_no == 1 {
            let (bom, rest) = strip_bom(text);
            if bom {
                self.changes.add(RuleCode::L005, 1, path, 1);
                text = rest;
            }
        }
        if !terminated && text.is_empty() {
            // Only a BOM: the file has no line.
            stats.lines -= 1;
            return Ok(());
        }
        if !terminated {
            self.changes.add(RuleCode::L006, 1, path, line_no);
        }
        // The line as `validate` sees it: a `\r` before the `\n` belongs to the line end.
        let (vline, crlf) = strip_crlf(text, terminated);
        if crlf {
            self.changes.add(RuleCode::L004, 1, path, line_no);
        }
        // More `\r` at the end would become a CRLF once `\n` is added.
        let mut body = vline;
        while let [rest @ .., b'\r'] = body {
            body = rest;
        }
        // A BOM that starts a later line (files joined with `cat`) goes too.
        let (inner_bom, body) = strip_bom(body);
        // What is wrong with the line is the engine's decision (as `validate` judges it);
        // only the wording of a rejection is `fix`'s own.
        let rejection = match classify_line(&mut self.scanner, body, false, &mut ()) {
            LineClass::Blank => {
                if inner_bom {
                    self.changes.add(RuleCode::L005, 1, path, line_no);
                }
                self.changes.add(RuleCode::L003, 1, path, line_no);
                return Ok(());
            }
            LineClass::BadUtf8 { at, bad } => Some((
                RuleCode::L002,
                format!(
                    "bytes {} at column {} are not valid UTF-8",
                    hex_bytes(bad),
                    char_column(body, at)
                ),
            )),
            LineClass::Invalid(e) => Some((
                RuleCode::L001,
                format!("{} (column {})", e.message, char_column(body, e.offset)),
            )),
            LineClass::NotObject { kind, .. } => Some((
                RuleCode::L007,
                format!("the line is {}, not a JSON object", kind.with_article()),
            )),
            LineClass::Record { envelope, .. } => match classify_model_input(&envelope) {
                ModelInput::Missing => Some((RuleCode::R001, "record has no modelInput".into())),
                ModelInput::NotObject(m) => Some((
                    RuleCode::R002,
                    format!("modelInput is {}, not an object", m.kind.with_article()),
                )),
                ModelInput::Object(m) => {
                    stats.records += 1;
                    if inner_bom {
                        self.changes.add(RuleCode::L005, 1, path, line_no);
                    }
                    self.record(unit, path, stats, body, &envelope, m)?;
                    None
                }
            },
        };
        if let Some((code, message)) = rejection {
            stats.records += 1;
            stats.rejected += 1;
            unit.reject_line(vline)?;
            self.rejected.push(RejectedLine {
                path: path.to_string(),
                line: line_no,
                code: code.as_str(),
                name: code.name(),
                message,
            });
        }
        Ok(())
    }

    /// Writes a record whose `modelInput` (`mi`) is an object.
    pub(super) fn record(
        &mut self,
        unit: &mut Unit,
        path: &str,
        stats: &mut InputSummary,
        line: &[u8],
        env: &Envelope,
        mi: Member,
    ) -> Result<()> {
        let line_no = stats.lines;
        let body = &line[mi.value_start..mi.value_end];
        let top_dups = env
            .duplicate_keys
            .iter()
            .filter(|d| d.pointer.rfind('/') == Some(0))
            .count() as u64;
        self.changes.add(RuleCode::L008, top_dups, path, line_no);

        // The id: kept, added, or replaced; `old` is the id's JSON text for the id map.
        let mut old: Option<&[u8]> = None;
        let mut reason = None;
        let id = match env.record_id {
            None => {
                if self.opts.add_record_ids {
                    reason = Some(RuleCode::R003);
                } else {
                    self.remaining.add(RuleCode::R003, 1, path, line_no);
                }
                IdOut::Absent
            }
            Some(m) => {
                let raw = &line[m.value_start..m.value_end];
                let text = (m.kind == ValueKind::String)
                    .then(|| decode_string_contents(&raw[1..raw.len() - 1], m.has_escapes));
                match text {
                    Some(t) if !t.is_empty() => {
                        let h = ids::id_hash(&t);
                        if self.written_ids.insert(h) {
                            IdOut::Keep(m.value_start, m.value_end)
                        } else if self.opts.dedupe_record_ids {
                            reason = Some(RuleCode::R006);
                            old = Some(raw);
                            IdOut::Keep(m.value_start, m.value_end)
                        } else {
                            self.remaining.add(RuleCode::R006, 1, path, line_no);
                            IdOut::Keep(m.value_start, m.value_end)
                        }
                    }
                    _ => {
                        if self.opts.add_record_ids {
                            reason = Some(RuleCode::R004);
                            old = Some(raw);
                        } else {
                            self.remaining.add(RuleCode::R004, 1, path, line_no);
                        }
                        IdOut::Keep(m.value_start, m.value_end)
                    }
                }
            }
        };
        let id = match reason {
            None => id,
            Some(code) => {
                let new = self
                    .ids
                    .as_mut()
                    .expect("ids are generated only with a generator")
                    .next(body);
                self.changes.add(code, 1, path, line_no);
                self.buf.clear();
                self.buf.extend_from_slice(b"{\"path\":");
                serde_json::to_writer(&mut self.buf, path).expect("a string serialises");
                write!(
                    self.buf,
                    ",\"line\":{line_no},\"output_line\":{},\"old\":",
                    unit.output.lines + 1
                )
                .expect("writing to a Vec");
                self.buf.extend_from_slice(old.unwrap_or(b"null"));
                write!(
                    self.buf,
                    ",\"new\":\"{new}\",\"reason\":\"{}\"}}",
                    code.name()
                )
                .expect("writing to a Vec");
                let entry = std::mem::take(&mut self.buf);
                unit.id_map_line(&entry)?;
                self.buf = entry;
                self.written_ids.insert(ids::id_hash(&new));
                IdOut::New(new)
            }
        };
        // Only ids the user chose are judged: the ones `fix` makes are plain by construction,
        // and flagging them would report `fix`'s own work back as a finding.
        let kept_id = match &id {
            IdOut::Absent | IdOut::New(_) => None,
            IdOut::Keep(s, e) => {
                let raw = &line[*s..*e];
                (raw.first() == Some(&b'"'))
                    .then(|| decode_string_contents(&raw[1..raw.len() - 1], true))
            }
        };
        if let Some(f) = kept_id.filter(|f| !f.is_empty()) {
            if crate::scan::record_id_oddity(&f).is_some() {
                self.remaining.add(RuleCode::R005, 1, path, line_no);
            }
        }

        let drop_unknown = self.opts.drop_unknown_keys && !env.unknown_keys.is_empty();
        if drop_unknown {
            self.changes
                .add(RuleCode::R007, env.unknown_keys.len() as u64, path, line_no);
        }
        let rebuild = matches!(id, IdOut::New(_)) || drop_unknown || top_dups > 0;
        let kept_unknown: Vec<usize> = if self.opts.drop_unknown_keys {
            Vec::new()
        } else {
            last_of_each_key(&env.unknown_keys)
        };
        self.remaining
            .add(RuleCode::R007, kept_unknown.len() as u64, path, line_no);
        if is_oversized_body(&mi) {
            self.remaining.add(RuleCode::R008, 1, path, line_no);
        }
        let nested_dups = env
            .duplicate_keys
            .iter()
            .filter(|d| d.pointer.rfind('/') != Some(0))
            .filter(|d| {
                let top = d
                    .pointer
                    .get(1..)
                    .unwrap_or("")
                    .split('/')
                    .next()
                    .unwrap_or("");
                match top {
                    "modelInput" => true,
                    "recordId" => matches!(id, IdOut::Keep(..)),
                    _ => !self.opts.drop_unknown_keys,
                }
            })
            .count() as u64
            + env.duplicate_keys_unlisted;
        self.remaining
            .add(RuleCode::L008, nested_dups, path, line_no);

        if rebuild {
            self.buf.clear();
            self.buf.push(b'{');
            match &id {
                IdOut::Absent => {}
                IdOut::Keep(s, e) => {
                    self.buf.extend_from_slice(b"\"recordId\":");
                    self.buf.extend_from_slice(&line[*s..*e]);
                    self.buf.push(b',');
                }
                IdOut::New(new) => {
                    self.buf.extend_from_slice(b"\"recordId\":\"");
                    self.buf.extend_from_slice(new.as_bytes());
                    self.buf.extend_from_slice(b"\",");
                }
            }
            self.buf.extend_from_slice(b"\"modelInput\":");
            self.buf.extend_from_slice(body);
            for &k in &kept_unknown {
                let m = env.unknown_keys[k].0;
                self.buf.push(b',');
                self.buf.extend_from_slice(key_text(line, &m));
                self.buf.push(b':');
                self.buf
                    .extend_from_slice(&line[m.value_start..m.value_end]);
            }
            self.buf.push(b'}');
            let out = std::mem::take(&mut self.buf);
            unit.output.line(&out)?;
            self.buf = out;
        } else {
            unit.output.line(line)?;
        }
        stats.written += 1;
        Ok(())
    }

    /// Changes and rejections so far: equal before and after a file means it needed nothing.
    pub(super) fn marker(&self) -> (u64, usize) {
        (self.changes.count.iter().sum(), self.rejected.len())
    }

    pub(super) fn report(
        self,
        opts: &FixOptions,
        outputs: Vec<OutputSummary>,
        removed: Vec<String>,
        skipped: Vec<String>,
    ) -> FixReport {
        let changes = self.changes.into_list(change_note);
        let remaining = self.remaining.into_list(remaining_note);
        let summary = FixSummary {
            files: self.inputs.len() as u64,
            records: self.inputs.iter().map(|i| i.records).sum(),
            written: self.inputs.iter().map(|i| i.written).sum(),
            rejected: self.rejected.len() as u64,
            changes: changes.iter().map(|c| c.count).sum(),
            remaining: remaining.iter().map(|c| c.count).sum(),
        };
        FixReport {
            version: 1,
            tool: Tool {
                name: "bedrock-batch",
                version: env!("CARGO_PKG_VERSION"),
            },
            dry_run: opts.dry_run,
            id_format: opts.generates_ids().then_some(opts.id_format),
            summary,
            inputs: self.inputs,
            outputs,
            changes,
            rejected: self.rejected,
            remaining,
            removed,
            skipped,
            decompressed: Vec::new(),
        }
    }
}

/// Reads `\n`-terminated lines from a stream, calling `f(line without \n, terminated)`.
pub(super) fn each_line(
    mut r: impl BufRead,
    path: &Path,
    mut f: impl FnMut(&[u8], bool) -> Result<()>,
) -> Result<()> {
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let n = r
            .read_until(b'\n', &mut buf)
            .map_err(|e| Error::io(path, e))?;
        if n == 0 {
            return Ok(());
        }
        match buf.split_last() {
            Some((b'\n', line)) => f(line, true)?,
            _ => f(&buf, false)?,
        }
    }
}

/// Indexes of the members to keep when a key is repeated: the last of each key, in order.
pub(super) fn last_of_each_key(members: &[(Member, String)]) -> Vec<usize> {
    let mut last: HashMap<&str, usize> = HashMap::with_capacity(members.len());
    for (i, (_, k)) in members.iter().enumerate() {
        last.insert(k.as_str(), i);
    }
    (0..members.len())
        .filter(|&i| last[members[i].1.as_str()] == i)
        .collect()
}

/// The JSON text of a member's key (with its quotes), found back from its value: between
/// the key's closing quote and the value there is only whitespace and one `:`.
pub(super) fn key_text<'l>(line: &'l [u8], m: &Member) -> &'l [u8] {
    let mut p = m.value_start;
    while p > m.key_start && line[p - 1] != b':' {
        p -= 1;
    }
    p -= 1;
    while p > m.key_start && line[p - 1] != b'"' {
        p -= 1;
    }
    &line[m.key_start..p]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::Scanned;

    pub(super) fn object(line: &[u8]) -> Envelope {
        match Scanner::new().scan(line) {
            Scanned::Object(env) => env,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    pub(super) fn key_text_is_the_key_with_quotes_and_escapes_as_written() {
        let line = br#"{ "a\u0062" :	1 , "c":2}"#;
        let env = object(line);
        let keys: Vec<&[u8]> = env
            .unknown_keys
            .iter()
            .map(|(m, _)| key_text(line, m))
            .collect();
        assert_eq!(keys, [&br#""a\u0062""#[..], &br#""c""#[..]]);
    }

    #[test]
    pub(super) fn the_last_of_each_repeated_key_is_kept_in_its_place() {
        let line = br#"{"x":1,"y":2,"x":3,"z":4,"y":5}"#;
        let env = object(line);
        let kept: Vec<&str> = last_of_each_key(&env.unknown_keys)
            .into_iter()
            .map(|i| env.unknown_keys[i].1.as_str())
            .collect();
        assert_eq!(kept, ["x", "z", "y"]);
    }

    #[test]
    pub(super) fn side_files_do_not_repeat_the_jsonl_extension() {
        let out = Path::new("dir/fixed.jsonl");
        assert_eq!(
            side_path(out, "rejected", None),
            Path::new("dir/fixed.rejected.jsonl")
        );
        assert_eq!(
            side_path(Path::new("out.txt"), "id-map", None),
            Path::new("out.txt.id-map.jsonl")
        );
        assert_eq!(
            side_path(out, "id-map", Some(Path::new("logs"))),
            Path::new("logs/fixed.id-map.jsonl")
        );
    }
}
