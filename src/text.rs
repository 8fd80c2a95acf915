//! Small text helpers shared by the checks and every renderer: number grouping, counted
//! nouns, shortening and byte sizes. A leaf module, so that renderers need not import the
//! hot-path modules for a number formatter.

/// The UTF-8 byte order mark. Bedrock rejects a file that starts with one (L003); `fix`
/// strips it and `shard` leaves it out of the records it copies.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// `1234567` → `1,234,567`.
pub fn group_digits(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// `n` with digits grouped and the noun that agrees with it: `1 file`, `1,200 files`.
pub fn counted(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", group_digits(n), if n == 1 { one } else { many })
}

/// The plural suffix for `n` things: `""` for one, `"s"` otherwise.
pub fn plural_s(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// At most `max` characters of `s`, with `…` when cut.
pub fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}

/// Formats bytes for people: `1.02 GB` (SI, matching the quotas' unit).
pub fn human_bytes(n: u64) -> String {
    bytesize::ByteSize(n).display().si().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_group_by_three() {
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1000), "1,000");
        assert_eq!(group_digits(25_000_000), "25,000,000");
        assert_eq!(counted(1, "file", "files"), "1 file");
        assert_eq!(counted(1200, "file", "files"), "1,200 files");
        assert_eq!(plural_s(0), "s");
    }

    #[test]
    fn shorten_cuts_on_characters() {
        assert_eq!(shorten("abc", 3), "abc");
        assert_eq!(shorten("été là", 3), "été…");
    }
}
