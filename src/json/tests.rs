//! The scanner and lexer against hand-written cases, and the SIMD string loops (AVX2 and
//! SSE2 on x86_64, NEON on aarch64) against the byte loop and the SWAR loop. The aarch64 ones
//! run under qemu in CI (`.ci/run`; docs/performance.md says what that shows).

use super::lex::*;
#[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
use super::simd::neon;
#[cfg(target_arch = "x86_64")]
use super::simd::{avx2, sse2};
use super::simd::{skip_plain, skip_plain_swar};
use super::*;

fn scan(s: &str) -> Scanned {
    Scanner::new().scan(s.as_bytes())
}

fn err(s: &str) -> SyntaxError {
    match scan(s) {
        Scanned::Invalid(e) => e,
        other => panic!("expected an error for {s:?}, got {other:?}"),
    }
}

#[test]
fn envelope_members_are_found() {
    let line = r#"{"recordId":"ABC12345678","modelInput":{"a":[1,2,{"b":null}]},"x":true}"#;
    let Scanned::Object(env) = scan(line) else {
        panic!()
    };
    let rid = env.record_id.unwrap();
    assert_eq!(&line[rid.value_start..rid.value_end], "\"ABC12345678\"");
    assert_eq!(rid.kind, ValueKind::String);
    let mi = env.model_input.unwrap();
    assert_eq!(
        &line[mi.value_start..mi.value_end],
        r#"{"a":[1,2,{"b":null}]}"#
    );
    assert_eq!(mi.kind, ValueKind::Object);
    assert_eq!(env.unknown_keys.len(), 1);
    assert_eq!(env.unknown_keys[0].1, "x");
    assert_eq!(env.max_depth, 4);
}

#[test]
fn not_objects_are_typed() {
    assert_eq!(scan("[1,2]"), Scanned::NotObject(ValueKind::Array));
    assert_eq!(scan(" 12.5e3 "), Scanned::NotObject(ValueKind::Number));
    assert_eq!(scan("\"s\""), Scanned::NotObject(ValueKind::String));
    assert_eq!(scan("null"), Scanned::NotObject(ValueKind::Null));
}

#[test]
fn errors_point_at_the_failure() {
    assert_eq!(err(r#"{"a":1,}"#).offset, 6);
    assert_eq!(err(r#"{"a" 1}"#).offset, 5);
    assert_eq!(err(r#"{"a":01}"#).offset, 6);
    assert_eq!(err(r#"{"a":1"#).offset, 6);
    assert_eq!(err("{\"a\":\"x\ty\"}").offset, 7);
    assert_eq!(err(r#"{"a":"\x"}"#).offset, 6);
    assert_eq!(err(r#"{"a":tru}"#).offset, 8);
    assert_eq!(err(r#"{"a":1} {}"#).offset, 8);
    assert_eq!(err(r#"{'a':1}"#).offset, 1);
    assert_eq!(err(r#"{"a":"abcdefghijklmnop"#).offset, 22);
    assert!(err(r#"{"a":NaN}"#).message.contains("NaN"));
}

#[test]
fn duplicate_keys_at_any_depth_with_pointers() {
    let line = r#"{"modelInput":{"messages":[{"role":"user","role":"x"}]},"modelInput":{}}"#;
    let Scanned::Object(env) = scan(line) else {
        panic!()
    };
    let ptrs: Vec<_> = env
        .duplicate_keys
        .iter()
        .map(|d| d.pointer.as_str())
        .collect();
    assert_eq!(ptrs, ["/modelInput/messages/0/role", "/modelInput"]);
    // The last modelInput wins.
    let mi = env.model_input.unwrap();
    assert_eq!(&line[mi.value_start..mi.value_end], "{}");
}

#[test]
fn escaped_keys_compare_by_value() {
    let Scanned::Object(env) = scan(r#"{"ab":1,"a\u0062":2}"#) else {
        panic!()
    };
    assert_eq!(env.duplicate_keys.len(), 1);
    assert_eq!(env.duplicate_keys[0].key, "ab");
}

#[test]
fn many_keys_use_the_hash_set() {
    let mut s = String::from("{");
    for i in 0..1000 {
        s.push_str(&format!("\"k{i}\":{i},"));
    }
    s.push_str("\"k500\":0}");
    let Scanned::Object(env) = scan(&s) else {
        panic!()
    };
    assert_eq!(env.duplicate_keys.len(), 1);
    assert_eq!(env.duplicate_keys[0].pointer, "/k500");
}

#[test]
fn deep_nesting_does_not_overflow() {
    let depth = 200_000;
    let s = format!(
        "{{\"modelInput\":{}{}}}",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    assert!(matches!(scan(&s), Scanned::Object(_)));
}

#[test]
fn pointers_locate_values() {
    let j = br#"{"a":{"b":[10, {"c":"x"}],"b~/":1},"a":{"d":[1,2, 3]}}"#;
    let at = |p: &str| locate_pointer(j, p);
    // Repeated "a": the last counts.
    assert_eq!(&j[at("/a")..at("/a") + 6], b"{\"d\":[");
    assert_eq!(&j[at("/a/d/2")..at("/a/d/2") + 1], b"3");
    assert_eq!(at("/a/missing"), at("/a"));
    assert_eq!(at(""), 0);
}

#[test]
fn strings_decode() {
    assert_eq!(
        decode_string_contents(br#"a\n\u00e9\ud83d\ude00\ud800"#, true),
        "a\n\u{e9}\u{1F600}\u{FFFD}"
    );
    assert_eq!(char_column("aé€x".as_bytes(), 6), 4);
}

/// This machine's 64-byte string scanner, if it has one: AVX2 on x86_64 (when the CPU has
/// it), NEON on aarch64. `None` when there is none to test.
#[allow(clippy::option_option, unreachable_code)]
fn vector_scan_string(line: &[u8], start: usize) -> Option<Option<(usize, bool, bool)>> {
    #[cfg(target_arch = "x86_64")]
    {
        if !avx2::available() {
            return None;
        }
        // SAFETY: AVX2 was detected just above.
        return Some(unsafe { avx2::scan_string::<true>(line, start) });
    }
    #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
    {
        // SAFETY: the target has NEON (the `cfg` above).
        return Some(unsafe { neon::scan_string::<true>(line, start) });
    }
    None
}

#[test]
fn this_machine_has_a_vector_scanner_to_test() {
    // On the CI machines (x86_64 with AVX2, aarch64 under qemu) the differential tests below
    // must really run; a silent `None` would make them pass without testing anything.
    let here = vector_scan_string(br#""abc""#, 0);
    if cfg!(any(target_arch = "aarch64", target_arch = "x86_64")) && here.is_some() {
        assert_eq!(here, Some(Some((5, false, false))));
    }
    #[cfg(target_arch = "aarch64")]
    assert!(here.is_some(), "aarch64 always has NEON");
}

/// The 64-byte block scanner agrees with the byte loop: same end and escape flag for
/// every well-formed string, and a fallback (never a different answer) otherwise.
#[test]
fn block_scanner_matches_byte_loop() {
    use proptest::prelude::*;
    if vector_scan_string(b"\"\"", 0).is_none() {
        return;
    }
    let piece = prop_oneof![
        Just("\\".to_string()),
        Just("\\\\".to_string()),
        Just("\\\"".to_string()),
        Just("\"".to_string()),
        Just("\\u00e9".to_string()),
        Just("\\ud83d".to_string()),
        Just("\\uDE00".to_string()),
        Just("\\ud83d\\ude00".to_string()),
        Just("\\uDBFF".to_string()),
        Just("\\udc00".to_string()),
        Just("\\ud7ff".to_string()),
        Just("\\u".to_string()),
        Just("d".to_string()),
        Just("\\u12".to_string()),
        Just("\\x".to_string()),
        Just("\\n".to_string()),
        Just("\t".to_string()),
        Just("\u{1}".to_string()),
        Just("\u{1f}".to_string()),
        Just("\u{7f}".to_string()),
        Just("é".to_string()),
        Just("😀".to_string()),
        Just("u".to_string()),
        "[a-f0-9 ]{1,70}",
        "[A-F/bfnrtuxDU\\\\\"]{1,6}",
    ];
    let strategy = (proptest::collection::vec(piece, 0..40), 0usize..70);
    proptest!(ProptestConfig::with_cases(4000), |((pieces, pad) in strategy)| {
        let text = format!("{}\"{}\"", " ".repeat(pad), pieces.concat());
        let b = text.as_bytes();
        for cut in [b.len(), b.len().saturating_sub(1), b.len() / 2] {
            let line = &b[..cut.max(pad + 1)];
            let slow = scan_string_bytes(line, pad);
            let fast = vector_scan_string(line, pad).expect("checked above");
            match fast {
                Some((end, escaped, lone)) => {
                    prop_assert_eq!(Ok((end, escaped)), slow.clone());
                    let quoted = std::str::from_utf8(&b[pad..end]).unwrap();
                    let serde_refuses = serde_json::from_str::<String>(quoted).is_err();
                    prop_assert_eq!(lone, serde_refuses, "{}", quoted);
                }
                None => prop_assert!(slow.is_err(), "fell back on a good string: {:?}", text),
            }
            // Without surrogate pairing the answers are the same but "lone" means "escaped".
            if let Ok((end, escaped, lone)) = scan_string_with::<false>(line, pad) {
                prop_assert_eq!(Ok((end, escaped)), slow.clone());
                prop_assert_eq!(lone, escaped);
            }
        }
    });
}

/// The first byte at or after `i` that is `"`, `\` or a control character (or the end).
fn first_special(b: &[u8], i: usize) -> usize {
    b[i..]
        .iter()
        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
        .map_or(b.len(), |n| i + n)
}

/// Every `skip_plain` loop (SWAR, and the vector ones of this machine) against a byte loop:
/// it stops at the first special byte, or leaves fewer bytes than it reads at a time.
#[test]
fn skip_plain_loops_match_a_byte_loop() {
    use proptest::prelude::*;
    // Each loop: its name, how many bytes it reads at a time, and the loop.
    type Loop = (&'static str, usize, fn(&[u8], usize) -> usize);
    let mut loops: Vec<Loop> = vec![("swar", 8, skip_plain_swar)];
    #[cfg(target_arch = "x86_64")]
    {
        loops.push(("sse2", 16, sse2::skip_plain));
        if avx2::available() {
            // SAFETY: AVX2 was detected just above.
            loops.push(("avx2", 32, |b, i| unsafe { avx2::skip_plain(b, i) }));
        }
    }
    #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
    // SAFETY: the target has NEON (the `cfg` above).
    loops.push(("neon", 16, |b, i| unsafe { neon::skip_plain(b, i) }));
    // Plain text with, now and then, a byte that ends it (or a near miss: 0x20, 0x7F, `!`,
    // `#`, `[`, `]`, a byte with the high bit set).
    let byte = prop_oneof![
        20 => prop::sample::select(b"abcdefghij KLMNOPQRST0123456789".to_vec()),
        1 => prop::sample::select(vec![b'"', b'\\', 0, 0x1F, b'\n', b'\t', 0x20, 0x7F, b'!', b'#', b'[', b']', 0x80, 0xC3, 0xFF]),
    ];
    let strategy = (
        prop::collection::vec(byte, 0..200),
        any::<prop::sample::Index>(),
    );
    proptest!(ProptestConfig::with_cases(3000), |((b, at) in strategy)| {
        let i = at.index(b.len() + 1);
        let want = first_special(&b, i);
        for &(name, width, f) in &loops {
            let j = f(&b, i);
            prop_assert!(j >= i && j <= want, "{}: {} not in {}..={}", name, j, i, want);
            prop_assert!(j == want || b.len() - j < width, "{}: stopped at {} before {}", name, j, want);
        }
        // The combination the scanner uses, finished byte by byte, finds the same byte.
        let mut j = skip_plain(&b, i);
        while j < b.len() && !(b[j] == b'"' || b[j] == b'\\' || b[j] < 0x20) {
            j += 1;
        }
        prop_assert_eq!(j, want);
    });
}
