//! Reading output files: chunks of lines read on the thread pool with the project's JSON
//! scanner, merged into the join in order.
//!
//! An output line is `{"recordId": "...", "modelInput": {...}, "modelOutput": {...}}` or the
//! same with `"error": {"errorCode": 400, "errorMessage": "..."}` (reference §3.1). The
//! scanner validates the whole line and hands back where its members are; only the `error`
//! object and the `modelOutput`'s usage are then read with `serde_json`, from their own
//! bytes. A last line that is not valid JSON and has no line end was cut short (the job is
//! still writing): it is reported, and its record stays missing.

use std::collections::HashMap;
use std::path::PathBuf;

use rayon::prelude::*;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::input::{self, Opened, SourceSpec};
use crate::json::{decode_string_contents, Member, Scanned, Scanner, ValueKind};
use crate::scan::{chunk_end, StreamChunker};
use crate::text::{group_digits, shorten, UTF8_BOM};
use crate::validate::Progress;

use super::folder::OutputFolder;
use super::join::{Joiner, Outcome, OutputPlace};
use super::shapes;
use super::ResultsOptions;

/// What one output line is.
#[derive(Debug)]
enum LineKind {
    /// An output record.
    Record {
        hash: u128,
        /// The `recordId` JSON string, chunk-relative.
        id_span: (usize, usize),
        escaped: bool,
        outcome: LocalOutcome,
    },
    /// Not an output record: why.
    Unreadable(String),
    /// The last line, cut short.
    Truncated,
}

#[derive(Debug)]
enum LocalOutcome {
    Succeeded(Option<(u64, u64)>),
    /// Index into [`ChunkLines::codes`].
    Failed(usize),
}

#[derive(Debug)]
struct LineRead {
    rel_line: u64,
    /// Chunk-relative start and end (before the line end).
    start: usize,
    end: usize,
    kind: LineKind,
}

/// What one chunk of an output file holds.
#[derive(Debug, Default)]
struct ChunkLines {
    newlines: u64,
    lines: Vec<LineRead>,
    /// `errorCode`s of this chunk as written, with the first message of each.
    codes: Vec<(String, String)>,
}

/// The `error` object of a failed record.
#[derive(Deserialize)]
struct ErrorProbe<'a> {
    #[serde(rename = "errorCode", default)]
    code: Option<serde_json::Value>,
    #[serde(rename = "errorMessage", default, borrow)]
    message: Option<std::borrow::Cow<'a, str>>,
}

/// Reads every output file of `folder` into `joiner`, then counts the missing records.
pub fn scan_outputs(
    folder: &OutputFolder,
    opts: &ResultsOptions,
    pool: &rayon::ThreadPool,
    joiner: &mut Joiner,
    progress: &dyn Progress,
) -> Result<()> {
    let window = pool.current_num_threads() * 4;
    for (k, file) in folder.files.iter().enumerate() {
        let file_index = k as u32;
        let mut merge = Merge {
            file: file_index,
            display: &file.display,
            line_base: 0,
        };
        match input::open(&SourceSpec::Path(file.path.clone()), opts.mmap)? {
            Opened::Empty => {}
            Opened::Mapped(map) => {
                let data: &[u8] = &map;
                let mut start = 0;
                while start < data.len() {
                    let mut pieces = Vec::with_capacity(window);
                    while pieces.len() < window && start < data.len() {
                        let end = chunk_end(data, start, opts.chunk_size);
                        pieces.push((start as u64, &data[start..end], end == data.len()));
                        start = end;
                    }
                    merge.window(pool, &pieces, joiner, progress);
                }
            }
            Opened::Stream(reader) => {
                let mut chunker = StreamChunker::new(reader, opts.chunk_size);
                let err = |e| Error::io(PathBuf::from(&file.path), e);
                let mut pending = chunker.next_chunk().map_err(err)?;
                let mut base = 0u64;
                while pending.is_some() {
                    let mut owned = Vec::with_capacity(window);
                    while owned.len() < window {
                        let Some(buf) = pending.take() else { break };
                        pending = chunker.next_chunk().map_err(err)?;
                        let len = buf.len() as u64;
                        owned.push((base, buf, pending.is_none()));
                        base += len;
                    }
                    let pieces: Vec<(u64, &[u8], bool)> = owned
                        .iter()
                        .map(|(b, buf, last)| (*b, buf.as_slice(), *last))
                        .collect();
                    merge.window(pool, &pieces, joiner, progress);
                }
            }
        }
    }
    joiner.finish();
    Ok(())
}

/// The in-order merge of one output file.
struct Merge<'a> {
    file: u32,
    display: &'a str,
    line_base: u64,
}

impl Merge<'_> {
    /// Reads a window of chunks on the pool, then merges them in order.
    fn window(
        &mut self,
        pool: &rayon::ThreadPool,
        pieces: &[(u64, &[u8], bool)],
        joiner: &mut Joiner,
        progress: &dyn Progress,
    ) {
        let read: Vec<ChunkLines> = pool.install(|| {
            pieces
                .par_iter()
                .map(|&(base, bytes, is_last)| read_chunk(bytes, base == 0, is_last))
                .collect()
        });
        for (&(base, bytes, _), lines) in pieces.iter().zip(read) {
            self.merge(base, bytes, lines, joiner);
            progress.advance(bytes.len() as u64);
        }
    }

    fn merge(&mut self, base: u64, chunk: &[u8], read: ChunkLines, joiner: &mut Joiner) {
        // The chunk's codes, as the join numbers them.
        let codes: Vec<u16> = read
            .codes
            .iter()
            .map(|(code, message)| joiner.code(code, message))
            .collect();
        for line in read.lines {
            let at = || format!("{}:{}", self.display, self.line_base + line.rel_line + 1);
            match line.kind {
                LineKind::Record {
                    hash,
                    id_span,
                    escaped,
                    outcome,
                } => {
                    let outcome = match outcome {
                        LocalOutcome::Succeeded(usage) => Outcome::Succeeded(usage),
                        LocalOutcome::Failed(i) => Outcome::Failed(codes[i]),
                    };
                    let place = OutputPlace {
                        file: self.file,
                        offset: base + line.start as u64,
                        len: (line.end - line.start) as u64,
                    };
                    let id = || {
                        decode_string_contents(&chunk[id_span.0 + 1..id_span.1 - 1], escaped)
                            .into_owned()
                    };
                    joiner.line(hash, outcome, place, id, at);
                }
                LineKind::Unreadable(why) => joiner.unreadable(|| format!("{}: {why}", at())),
                LineKind::Truncated => joiner.truncated(|| {
                    format!(
                        "{}: the last line stops after {} bytes without a line end or the rest of its JSON (the job may still be InProgress); its record counts as missing",
                        at(),
                        group_digits((line.end - line.start) as u64)
                    )
                }),
            }
        }
        self.line_base += read.newlines;
    }
}

/// Reads every line of one chunk.
fn read_chunk(chunk: &[u8], is_first: bool, is_last: bool) -> ChunkLines {
    let mut out = ChunkLines::default();
    let mut codes: HashMap<String, usize> = HashMap::new();
    let mut scanner = Scanner::new();
    let mut start = if is_first && chunk.starts_with(UTF8_BOM) {
        UTF8_BOM.len()
    } else {
        0
    };
    // One check of the whole chunk is far cheaper than one per line (as in `validate`).
    let utf8_ok = simdutf8::basic::from_utf8(chunk).is_ok();
    let mut rel_line = 0u64;
    while start < chunk.len() {
        let (end, next, terminated) = match memchr::memchr(b'\n', &chunk[start..]) {
            Some(i) => (start + i, start + i + 1, true),
            None => (chunk.len(), chunk.len(), false),
        };
        let text_end = if terminated && end > start && chunk[end - 1] == b'\r' {
            end - 1
        } else {
            end
        };
        let line = &chunk[start..text_end];
        if !line.iter().all(u8::is_ascii_whitespace) {
            let kind = read_line(
                &mut scanner,
                line,
                start,
                utf8_ok,
                &mut out.codes,
                &mut codes,
            );
            let kind = match kind {
                LineKind::Unreadable(_) if is_last && !terminated => LineKind::Truncated,
                k => k,
            };
            out.lines.push(LineRead {
                rel_line,
                start,
                end: text_end,
                kind,
            });
        }
        if terminated {
            rel_line += 1;
        }
        start = next;
    }
    out.newlines = rel_line;
    out
}

/// Reads one output line (`line` starts at chunk offset `at`).
fn read_line(
    scanner: &mut Scanner,
    line: &[u8],
    at: usize,
    utf8_ok: bool,
    codes: &mut Vec<(String, String)>,
    code_index: &mut HashMap<String, usize>,
) -> LineKind {
    if !utf8_ok && simdutf8::basic::from_utf8(line).is_err() {
        return LineKind::Unreadable("bytes that are not UTF-8".into());
    }
    let env = match scanner.scan(line) {
        Scanned::Object(env) => env,
        Scanned::NotObject(kind) => {
            return LineKind::Unreadable(format!("{}, not an output record", kind.with_article()))
        }
        Scanned::Invalid(e) => {
            return LineKind::Unreadable(format!(
                "not valid JSON at byte {}: {}",
                e.offset, e.message
            ))
        }
    };
    let id = match env.record_id {
        Some(m) if m.kind == ValueKind::String && m.value_end - m.value_start > 2 => m,
        Some(_) => return LineKind::Unreadable("recordId is not a non-empty string".into()),
        None => return LineKind::Unreadable("no recordId".into()),
    };
    let member = |name: &str| -> Option<Member> {
        env.unknown_keys
            .iter()
            .rev()
            .find(|(_, k)| k == name)
            .map(|(m, _)| *m)
    };
    let value = |m: Member| &line[m.value_start..m.value_end];
    let outcome = if let Some(error) = member("error") {
        let (code, message) = match serde_json::from_slice::<ErrorProbe>(value(error)) {
            Ok(probe) => (
                match probe.code {
                    Some(serde_json::Value::Number(n)) => n.to_string(),
                    Some(serde_json::Value::String(s)) => s,
                    _ => "none".to_string(),
                },
                probe.message.map(|m| m.into_owned()).unwrap_or_default(),
            ),
            Err(_) => (
                "none".to_string(),
                shorten(&String::from_utf8_lossy(value(error)), 200),
            ),
        };
        let i = *code_index.entry(code.clone()).or_insert_with(|| {
            codes.push((code, message));
            codes.len() - 1
        });
        LocalOutcome::Failed(i)
    } else if let Some(output) = member("modelOutput") {
        LocalOutcome::Succeeded(shapes::usage(value(output)))
    } else {
        return LineKind::Unreadable("neither modelOutput nor error".into());
    };
    let raw = &line[id.value_start + 1..id.value_end - 1];
    let decoded = decode_string_contents(raw, id.has_escapes);
    LineKind::Record {
        hash: xxhash_rust::xxh3::xxh3_128(decoded.as_bytes()),
        id_span: (at + id.value_start, at + id.value_end),
        escaped: id.has_escapes,
        outcome,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_classified() {
        let chunk = concat!(
            "{\"recordId\":\"a\",\"modelInput\":{},\"modelOutput\":{\"usage\":{\"input_tokens\":3,\"output_tokens\":4}}}\n",
            "\n",
            "{\"recordId\":\"b\",\"modelInput\":{},\"error\":{\"errorCode\":429,\"errorMessage\":\"slow down\"}}\r\n",
            "[1]\n",
            "{\"recordId\":\"c\",\"modelInput\":{\"x\":"
        )
        .as_bytes();
        let read = read_chunk(chunk, true, true);
        assert_eq!(read.newlines, 4);
        assert_eq!(read.lines.len(), 4);
        assert!(matches!(
            read.lines[0].kind,
            LineKind::Record {
                outcome: LocalOutcome::Succeeded(Some((3, 4))),
                ..
            }
        ));
        assert!(matches!(
            read.lines[1].kind,
            LineKind::Record {
                outcome: LocalOutcome::Failed(0),
                ..
            }
        ));
        assert_eq!(
            read.codes,
            vec![("429".to_string(), "slow down".to_string())]
        );
        assert!(matches!(read.lines[2].kind, LineKind::Unreadable(_)));
        assert!(matches!(read.lines[3].kind, LineKind::Truncated));
        // Not the file's last chunk: the same bytes are an unreadable line, not a cut one.
        let read = read_chunk(chunk, true, false);
        assert!(matches!(read.lines[3].kind, LineKind::Unreadable(_)));
    }
}
