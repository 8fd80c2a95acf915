//! Cutting input into newline-aligned chunks: of a mapped file ([`chunk_end`]) or of a stream
//! ([`StreamChunker`]).

use super::*;
use memchr::memchr;
use std::io::Read;

/// The end of the chunk that starts at `start`: just after the first `\n` at or beyond
/// `start + size`, or the end of `data`.
pub fn chunk_end(data: &[u8], start: usize, size: usize) -> usize {
    let probe = start.saturating_add(size.max(1)).min(data.len());
    if probe >= data.len() {
        return data.len();
    }
    match memchr(b'\n', &data[probe - 1..]) {
        Some(i) => probe + i,
        None => data.len(),
    }
}

/// Reads newline-aligned chunks from a stream: each chunk ends with `\n` except the last.
pub struct StreamChunker<R> {
    pub(super) reader: R,
    pub(super) size: usize,
    pub(super) max_line: usize,
    pub(super) carry: Vec<u8>,
    pub(super) eof: bool,
    /// Bytes handed out so far.
    pub(super) consumed: u64,
}

impl<R: Read> StreamChunker<R> {
    /// Chunks of about `size` bytes from `reader`.
    pub fn new(reader: R, size: usize) -> Self {
        StreamChunker {
            reader,
            size: size.max(1),
            max_line: MAX_STREAM_LINE_BYTES,
            carry: Vec::new(),
            eof: false,
            consumed: 0,
        }
    }

    /// Lowers or raises the longest line accepted (see [`MAX_STREAM_LINE_BYTES`]); the unit
    /// tests' small bound.
    #[cfg(test)]
    pub fn with_max_line(mut self, max_line: usize) -> Self {
        self.max_line = max_line.max(1);
        self
    }

    pub(super) fn too_long(&self, line_start: usize) -> std::io::Error {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "the line starting at byte {} is longer than {} bytes, which no record can be (is this JSONL, with \\n line ends?); files on disk are checked whatever their line lengths unless --no-mmap is given",
                group_digits(self.consumed + line_start as u64),
                group_digits(self.max_line as u64)
            ),
        )
    }

    /// The next chunk, or `None` at the end of the stream. A line longer than the limit is
    /// an error of kind [`std::io::ErrorKind::InvalidData`].
    pub fn next_chunk(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        let mut buf = std::mem::take(&mut self.carry);
        // The carry is what followed the last line end, so it holds none.
        let mut line_start = 0;
        loop {
            if buf.len() - line_start > self.max_line {
                return Err(self.too_long(line_start));
            }
            if self.eof {
                self.consumed += buf.len() as u64;
                return Ok(if buf.is_empty() { None } else { Some(buf) });
            }
            // Read until the buffer holds at least `size` bytes, then cut after the last
            // newline; a line longer than `size` keeps the buffer growing until it ends.
            let want = self.size.saturating_sub(buf.len()).max(64 * 1024);
            let old = buf.len();
            // Into spare capacity: zero-filling a chunk-sized buffer for every read cost
            // more than the check itself for a folder of small files.
            buf.reserve(want);
            let n = (&mut self.reader).take(want as u64).read_to_end(&mut buf)?;
            if n == 0 {
                self.eof = true;
                continue;
            }
            if let Some(i) = memchr::memrchr(b'\n', &buf[old..]) {
                line_start = old + i + 1;
            }
            if buf.len() >= self.size && line_start > 0 {
                self.carry = buf[line_start..].to_vec();
                buf.truncate(line_start);
                self.consumed += buf.len() as u64;
                return Ok(Some(buf));
            }
        }
    }
}
