//! Whether a file holds JSON lines at all (F004), judged from its first bytes.
//!
//! A JSON array, a pretty-printed document or a whole pandas table (`DataFrame.to_json()`) saved
//! as `.jsonl`, or compressed bytes read as text, fail on nearly every line: thousands of L001/L002/L007 findings that bury the one
//! thing to fix. Such a file gets one F004 instead, and its line findings are dropped.
//!
//! The judgement reads only the first [`HEAD_BYTES`] of the file, whatever its source
//! (mapped, read, standard input, decompressed), so it never depends on how the file is read.
//! It is made only on strong signals; anything less clear is left to the line checks.

use crate::input::Compression;

/// How much of a file's start is looked at.
pub const HEAD_BYTES: usize = 64 * 1024;

/// What a file holds instead of JSON lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotJsonl {
    /// Compressed bytes whose name does not say so (or standard input): the format's name.
    Compressed(&'static str),
    /// UTF-16 text (it starts with a UTF-16 byte-order mark).
    Utf16,
    /// A JSON array of records instead of one record per line.
    Array,
    /// JSON spread over several lines (pretty-printed) instead of one record per line.
    MultiLine,
    /// A pandas DataFrame written by `to_json()` without `orient="records", lines=True`: one
    /// JSON object holding the whole table. The orient it was written with.
    PandasTable(&'static str),
}

/// Judges a file by its first bytes (`head`, at most [`HEAD_BYTES`]; `is_all` when it is the
/// whole file). `None` when the file may well be JSON lines.
pub fn sniff(head: &[u8], is_all: bool) -> Option<NotJsonl> {
    const MAGIC: &[(&[u8], &str)] = &[
        (b"\x1f\x8b", "gzip"),
        (b"\x28\xb5\x2f\xfd", "zstd"),
        (b"BZh", "bzip2"),
        (b"\xfd7zXZ\x00", "xz"),
        (b"PK\x03\x04", "zip"),
    ];
    if let Some((_, name)) = MAGIC.iter().find(|(m, _)| head.starts_with(m)) {
        // `BZh` and `PK` are text too; a JSON line never starts with either.
        return Some(NotJsonl::Compressed(name));
    }
    if head.starts_with(b"\xff\xfe") || head.starts_with(b"\xfe\xff") {
        return Some(NotJsonl::Utf16);
    }
    let (_, text) = crate::scan::strip_bom(head);
    let mut lines = non_blank_lines(text, is_all);
    let (first, first_complete) = lines.next()?;
    let second = lines.next();
    match first.first() {
        // A line that starts with `[` is never a record. It is an array of records unless it
        // is a whole line followed by more lines (a JSONL file with one bad line).
        Some(b'[') => {
            let one_line_array = first_complete && parses(first);
            (!(one_line_array && second.is_some())).then_some(NotJsonl::Array)
        }
        // An object that does not close on its line, followed by a line that is not an
        // object of its own: a pretty-printed document. (A truncated record followed by
        // complete ones is left to L001.)
        Some(b'{') => {
            if second.is_none() {
                if let Some(orient) = pandas_orient(first) {
                    return Some(NotJsonl::PandasTable(orient));
                }
            }
            let (next, next_complete) = second?;
            let opens = first_complete && unterminated(first);
            let next_is_record = next_complete && next.first() == Some(&b'{') && parses(next);
            (opens && !next_is_record).then_some(NotJsonl::MultiLine)
        }
        _ => None,
    }
}

/// The non-blank lines of `text`, trimmed, each with whether it ends inside `text` (or at its
/// end when `text` is the whole file).
fn non_blank_lines(text: &[u8], is_all: bool) -> impl Iterator<Item = (&[u8], bool)> {
    let mut rest = text;
    std::iter::from_fn(move || loop {
        if rest.is_empty() {
            return None;
        }
        let (line, complete) = match memchr::memchr(b'\n', rest) {
            Some(i) => {
                let line = &rest[..i];
                rest = &rest[i + 1..];
                (line, true)
            }
            None => {
                let line = rest;
                rest = &[];
                (line, is_all)
            }
        };
        let trimmed = line.trim_ascii();
        if !trimmed.is_empty() {
            return Some((trimmed, complete));
        }
    })
}

/// The `orient` of a pandas `DataFrame.to_json()` document, told from how its one line starts
/// (pandas writes compact JSON; the default index is 0, 1, …). A batch record never starts
/// this way: its keys are `recordId` and `modelInput`, and no body is keyed `"0"`.
///
/// - `columns` (the default): `{"recordId":{"0":…},"modelInput":{"0":…}}`
/// - `index`: `{"0":{"recordId":…,"modelInput":…},"1":…}`
/// - `split`: `{"columns":[…],"index":[…],"data":[…]}`
/// - `table`: `{"schema":{"fields":[…`
fn pandas_orient(line: &[u8]) -> Option<&'static str> {
    if line.starts_with(b"{\"0\":{") {
        return Some("index");
    }
    if line.starts_with(b"{\"columns\":[") {
        return Some("split");
    }
    if line.starts_with(b"{\"schema\":{\"fields\":[") {
        return Some("table");
    }
    // `{"<column>":{"0":` with a column name without escapes.
    let rest = line.strip_prefix(b"{\"")?;
    let end = memchr::memchr2(b'"', b'\\', rest)?;
    (rest[end] == b'"' && rest[end..].starts_with(b"\":{\"0\":")).then_some("columns")
}

fn parses(line: &[u8]) -> bool {
    serde_json::from_slice::<serde::de::IgnoredAny>(line).is_ok()
}

/// Whether `line` is the start of a JSON value that goes on past the line's end.
fn unterminated(line: &[u8]) -> bool {
    match serde_json::from_slice::<serde::de::IgnoredAny>(line) {
        Ok(_) => false,
        Err(e) => e.classify() == serde_json::error::Category::Eof,
    }
}

impl NotJsonl {
    /// The finding's message for the file shown as `display` (`is_stdin`: standard input
    /// without a name), with what to do.
    pub fn message(self, display: &str, is_stdin: bool, compression: Compression) -> String {
        let what = if is_stdin {
            "standard input".to_string()
        } else {
            format!("\"{display}\"")
        };
        match self {
            NotJsonl::Compressed(format) if is_stdin => format!(
                "{what} holds {format}-compressed data, not JSON lines: decompress it on the way in (e.g. `gunzip -c FILE.gz | bedrock-batch validate -`), or name it with --stdin-filename NAME.jsonl.gz (or .zst) to have gzip and zstd read decompressed"
            ),
            NotJsonl::Compressed(format) if compression != Compression::None => format!(
                "{what} holds {format}-compressed data inside its {} stream (compressed twice?), not JSON lines: decompress it fully before upload",
                compression.as_str()
            ),
            NotJsonl::Compressed(format) => format!(
                "{what} holds {format}-compressed data, not JSON lines; the service reads plain UTF-8 text: decompress it before upload (for gzip: `gunzip -c {display} > plain.jsonl`; named `….jsonl.gz`, bedrock-batch reads it decompressed)"
            ),
            NotJsonl::Utf16 => format!(
                "{what} is UTF-16 text (it starts with a UTF-16 byte-order mark); JSON lines must be UTF-8: convert it (`iconv -f UTF-16 -t UTF-8`)"
            ),
            NotJsonl::Array => format!(
                "{what} holds a JSON array, not one JSON object per line: write one record per line (`jq -c '.[]' FILE`; pandas: `to_json(orient=\"records\", lines=True)`)"
            ),
            NotJsonl::PandasTable(orient) => format!(
                "{what} holds one JSON object with the whole table (pandas `DataFrame.to_json()` with orient=\"{orient}\"), not one record per line: write it with `df.to_json(PATH, orient=\"records\", lines=True)`"
            ),
            NotJsonl::MultiLine => format!(
                "{what} holds JSON spread over several lines (pretty-printed), not one record per line: write each record on a single line (`jq -c . FILE`; Python: `json.dumps(record)` without indent)"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compressed_and_utf16_starts() {
        assert_eq!(
            sniff(b"\x1f\x8b\x08\x00rest", false),
            Some(NotJsonl::Compressed("gzip"))
        );
        assert_eq!(
            sniff(b"\x28\xb5\x2f\xfd....", true),
            Some(NotJsonl::Compressed("zstd"))
        );
        assert_eq!(sniff(b"\xff\xfe{\x00", true), Some(NotJsonl::Utf16));
    }

    #[test]
    fn arrays() {
        // Pretty-printed, items on lines, one line.
        assert_eq!(
            sniff(b"[\n  {\"a\": 1},\n  {\"a\": 2}\n]\n", true),
            Some(NotJsonl::Array)
        );
        assert_eq!(
            sniff(b"[{\"a\":1},\n{\"a\":2}]", true),
            Some(NotJsonl::Array)
        );
        assert_eq!(sniff(b"[{\"a\":1},{\"a\":2}]", true), Some(NotJsonl::Array));
        // A one-line array longer than the head.
        assert_eq!(sniff(b"[{\"a\":1},{\"a\":", false), Some(NotJsonl::Array));
        // A JSONL file whose first line is an array: its lines are judged one by one.
        assert_eq!(sniff(b"[1,2]\n{\"a\":1}\n", true), None);
    }

    #[test]
    fn pandas_tables() {
        let columns = br#"{"recordId":{"0":"a","1":"b"},"modelInput":{"0":{"messages":[]},"1":{"messages":[]}}}"#;
        assert_eq!(sniff(columns, true), Some(NotJsonl::PandasTable("columns")));
        // Longer than the head: the line is not complete.
        assert_eq!(
            sniff(&columns[..30], false),
            Some(NotJsonl::PandasTable("columns"))
        );
        assert_eq!(
            sniff(
                br#"{"0":{"recordId":"a","modelInput":{}},"1":{"recordId":"b","modelInput":{}}}"#,
                true
            ),
            Some(NotJsonl::PandasTable("index"))
        );
        assert_eq!(
            sniff(
                br#"{"columns":["recordId","modelInput"],"index":[0],"data":[["a",{}]]}"#,
                true
            ),
            Some(NotJsonl::PandasTable("split"))
        );
        assert_eq!(
            sniff(
                br#"{"schema":{"fields":[{"name":"index","type":"integer"}]},"data":[]}"#,
                true
            ),
            Some(NotJsonl::PandasTable("table"))
        );
        // A one-record JSONL file, and a record whose body is an object: left to the checks.
        assert_eq!(
            sniff(br#"{"recordId":"a","modelInput":{"x":1}}"#, true),
            None
        );
        assert_eq!(sniff(br#"{"modelInput":{"messages":[]}}"#, true), None);
        // Two lines: a JSONL file (even if odd), judged line by line.
        assert_eq!(
            sniff(
                b"{\"recordId\":{\"0\":\"a\"}}\n{\"recordId\":{\"0\":\"b\"}}\n",
                true
            ),
            None
        );
    }

    #[test]
    fn pretty_printed_documents() {
        assert_eq!(
            sniff(
                b"{\n  \"recordId\": \"a\",\n  \"modelInput\": {}\n}\n",
                true
            ),
            Some(NotJsonl::MultiLine)
        );
        assert_eq!(
            sniff(
                b"\xEF\xBB\xBF\n\n{\"recordId\": \"a\",\n\"modelInput\": {}}\n",
                true
            ),
            Some(NotJsonl::MultiLine)
        );
        // A truncated first record followed by good ones is L001's.
        assert_eq!(
            sniff(b"{\"recordId\":\"a\",\n{\"recordId\":\"b\"}\n", true),
            None
        );
        // One broken line alone, a valid file, an empty one, a line that is not JSON.
        assert_eq!(sniff(b"{\"recordId\":", true), None);
        assert_eq!(sniff(b"{\"a\":1}\n{\"a\":2}\n", true), None);
        assert_eq!(sniff(b"", true), None);
        assert_eq!(sniff(b"hello\nworld\n", true), None);
    }
}
