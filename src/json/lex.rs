//! Lexing shared by the record scanner and the body tape's own reader: whitespace, strings
//! (through the SIMD loops in `simd`), numbers, literals, `\\u` escapes, decoding, and the
//! wording of every syntax error.

use std::borrow::Cow;

#[cfg(target_arch = "x86_64")]
use super::simd::avx2;
#[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
use super::simd::neon;
use super::simd::skip_plain;
use super::SyntaxError;

#[inline]
pub(crate) fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// Decodes the contents of a JSON string (between the quotes). `raw` must be a valid JSON
/// string body in valid UTF-8; lone surrogate escapes become U+FFFD.
pub fn decode_string_contents(raw: &[u8], escaped: bool) -> Cow<'_, str> {
    if !escaped {
        // The scanner's input is valid UTF-8 and a JSON string body ends at a quote, so a
        // body without escapes is valid UTF-8 too; lossy decoding is only a safety net.
        return match std::str::from_utf8(raw) {
            Ok(s) => Cow::Borrowed(s),
            Err(_) => String::from_utf8_lossy(raw),
        };
    }
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let c = raw[i];
        if c != b'\\' {
            let next = memchr::memchr(b'\\', &raw[i..]).map_or(raw.len(), |n| i + n);
            out.push_str(&String::from_utf8_lossy(&raw[i..next]));
            i = next;
            continue;
        }
        let e = raw.get(i + 1).copied().unwrap_or(b'\\');
        i += 2;
        match e {
            b'"' => out.push('"'),
            b'\\' => out.push('\\'),
            b'/' => out.push('/'),
            b'b' => out.push('\u{8}'),
            b'f' => out.push('\u{c}'),
            b'n' => out.push('\n'),
            b'r' => out.push('\r'),
            b't' => out.push('\t'),
            b'u' => {
                let hi = hex4(raw, i).unwrap_or(0xFFFD);
                i += 4;
                let cp = if (0xD800..0xDC00).contains(&hi)
                    && raw.get(i) == Some(&b'\\')
                    && raw.get(i + 1) == Some(&b'u')
                {
                    let lo = hex4(raw, i + 2).unwrap_or(0xFFFD);
                    if (0xDC00..0xE000).contains(&lo) {
                        i += 6;
                        0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                    } else {
                        0xFFFD
                    }
                } else {
                    hi
                };
                out.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
            }
            _ => out.push('\u{FFFD}'),
        }
    }
    Cow::Owned(out)
}

#[inline]
pub(crate) fn skip_ws(b: &[u8], mut pos: usize) -> usize {
    while pos < b.len() && is_ws(b[pos]) {
        pos += 1;
    }
    pos
}

pub(crate) fn eof(len: usize, message: &str) -> SyntaxError {
    SyntaxError {
        offset: len,
        message: message.to_string(),
    }
}

/// A short description of the byte at `pos` for messages: `'x'` or `end of line`.
pub(crate) fn describe(b: &[u8], pos: usize) -> String {
    match b.get(pos) {
        None => "end of line".into(),
        Some(&c) if c.is_ascii_graphic() || c == b' ' => format!("'{}'", c as char),
        Some(_) => {
            // Show the whole character (the line is valid UTF-8).
            let s = std::str::from_utf8(&b[pos..]).unwrap_or("");
            match s.chars().next() {
                Some(ch) if !ch.is_control() => format!("'{ch}'"),
                Some(ch) => format!("U+{:04X}", ch as u32),
                None => format!("byte 0x{:02X}", b[pos]),
            }
        }
    }
}

pub(crate) fn literal(b: &[u8], pos: usize, word: &[u8]) -> Result<usize, SyntaxError> {
    for (i, &w) in word.iter().enumerate() {
        if b.get(pos + i) != Some(&w) {
            return Err(SyntaxError {
                offset: pos + i,
                message: format!(
                    "invalid literal: expected `{}`",
                    std::str::from_utf8(word).unwrap_or("?")
                ),
            });
        }
    }
    Ok(pos + word.len())
}

pub(crate) fn scan_number(b: &[u8], start: usize) -> Result<usize, SyntaxError> {
    let mut pos = start;
    if b[pos] == b'-' {
        pos += 1;
    }
    match b.get(pos) {
        Some(b'0') => {
            pos += 1;
            if matches!(b.get(pos), Some(b'0'..=b'9')) {
                return Err(SyntaxError {
                    offset: pos,
                    message: "invalid number: leading zeros are not allowed".into(),
                });
            }
        }
        Some(b'1'..=b'9') => pos = digits(b, pos),
        _ => {
            return Err(SyntaxError {
                offset: pos,
                message: "invalid number: expected a digit after '-'".into(),
            })
        }
    }
    if b.get(pos) == Some(&b'.') {
        pos += 1;
        if !matches!(b.get(pos), Some(b'0'..=b'9')) {
            return Err(SyntaxError {
                offset: pos,
                message: "invalid number: expected a digit after '.'".into(),
            });
        }
        pos = digits(b, pos);
    }
    if matches!(b.get(pos), Some(b'e' | b'E')) {
        pos += 1;
        if matches!(b.get(pos), Some(b'+' | b'-')) {
            pos += 1;
        }
        if !matches!(b.get(pos), Some(b'0'..=b'9')) {
            return Err(SyntaxError {
                offset: pos,
                message: "invalid number: expected a digit in the exponent".into(),
            });
        }
        pos = digits(b, pos);
    }
    Ok(pos)
}

#[inline]
pub(crate) fn digits(b: &[u8], mut pos: usize) -> usize {
    while matches!(b.get(pos), Some(b'0'..=b'9')) {
        pos += 1;
    }
    pos
}

/// Scans the string starting at the quote at `start`; returns the position after the
/// closing quote and whether the contents hold an escape.
#[inline]
pub(crate) fn scan_string(b: &[u8], start: usize) -> Result<(usize, bool), SyntaxError> {
    scan_string_with::<false>(b, start).map(|(end, escaped, _)| (end, escaped))
}

/// [`scan_string`], also telling whether the string may hold a lone surrogate escape (`true`
/// whenever that was not worked out: the byte loop answers "it has an escape"), so that
/// callers who must refuse lone surrogates only look at strings that may have them.
#[inline]
pub(crate) fn scan_string_surrogates(
    b: &[u8],
    start: usize,
) -> Result<(usize, bool, bool), SyntaxError> {
    scan_string_with::<true>(b, start)
}

/// The value of the four hex digits at `at`, if there are four.
#[inline]
pub(crate) fn hex4(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4)?
        .iter()
        .try_fold(0, |n, &c| Some(n * 16 + (c as char).to_digit(16)?))
}

#[inline]
pub(crate) fn scan_string_with<const SURROGATES: bool>(
    b: &[u8],
    start: usize,
) -> Result<(usize, bool, bool), SyntaxError> {
    #[cfg(target_arch = "x86_64")]
    if avx2::available() {
        // SAFETY: the CPU supports AVX2 (checked at run time just above).
        if let Some(done) = unsafe { avx2::scan_string::<SURROGATES>(b, start) } {
            return Ok(done);
        }
        // Anything unusual (an error, or a string running to the end of the line) is left to
        // the byte loop below, which alone words the errors.
    }
    #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
    // SAFETY: this build's target has NEON (the `cfg` above; every aarch64 Linux and macOS
    // target does).
    if let Some(done) = unsafe { neon::scan_string::<SURROGATES>(b, start) } {
        return Ok(done);
    }
    scan_string_bytes(b, start).map(|(end, escaped)| (end, escaped, escaped))
}

/// [`scan_string`] a byte (or a plain run) at a time: the reference version, and the one
/// that words every error.
pub(crate) fn scan_string_bytes(b: &[u8], start: usize) -> Result<(usize, bool), SyntaxError> {
    let len = b.len();
    let mut i = start + 1;
    let mut escaped = false;
    loop {
        i = skip_plain(b, i);
        let Some(&c) = b.get(i) else {
            return Err(SyntaxError {
                offset: len,
                message: format!(
                    "unterminated string (opened at column {})",
                    char_column(b, start)
                ),
            });
        };
        match c {
            b'"' => return Ok((i + 1, escaped)),
            b'\\' => {
                escaped = true;
                match b.get(i + 1) {
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i += 2,
                    Some(b'u') => {
                        for k in 0..4 {
                            if !b.get(i + 2 + k).is_some_and(|h| h.is_ascii_hexdigit()) {
                                return Err(SyntaxError {
                                    offset: i + 2 + k,
                                    message: "invalid \\u escape: expected 4 hex digits".into(),
                                });
                            }
                        }
                        i += 6;
                    }
                    Some(_) => {
                        return Err(SyntaxError {
                            offset: i,
                            message: format!(
                                "invalid escape {}{} in string",
                                '\\',
                                describe(b, i + 1).trim_matches('\'')
                            ),
                        })
                    }
                    None => {
                        return Err(SyntaxError {
                            offset: len,
                            message: "unterminated string: line ends after a backslash".into(),
                        })
                    }
                }
            }
            c if c < 0x20 => {
                let name = match c {
                    b'\t' => " (tab; write it as \\t)".to_string(),
                    b'\r' => " (carriage return; write it as \\r)".to_string(),
                    _ => String::new(),
                };
                return Err(SyntaxError {
                    offset: i,
                    message: format!(
                        "control character U+{:04X}{name} must be escaped in a string",
                        c
                    ),
                });
            }
            _ => i += 1,
        }
    }
}

/// 1-based column, in Unicode characters, of byte `offset` in a UTF-8 `line`.
pub fn char_column(line: &[u8], offset: usize) -> u64 {
    let prefix = &line[..offset.min(line.len())];
    // Every character has exactly one byte that is not a continuation byte (10xxxxxx).
    let continuation = prefix.iter().filter(|&&c| (c as i8) < -64).count();
    (prefix.len() - continuation) as u64 + 1
}
