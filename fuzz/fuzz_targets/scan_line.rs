//! The line scanner on any line: never panics; agrees with `serde_json` on what is JSON
//! (where `serde_json`'s recursion limit does not get in the way); the detail limits change
//! only what is listed, never what is found; every duplicate-key pointer and member can be
//! located and decoded.

#![no_main]

use bedrock_batch::internals::{decode_string_contents, locate_pointers, Scanned, Scanner};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The scanner's contract: one line (no `\n`), valid UTF-8, not blank.
    let line = match data.iter().position(|&b| b == b'\n') {
        Some(i) => &data[..i],
        None => data,
    };
    if std::str::from_utf8(line).is_err() || line.iter().all(|b| b" \t\r\x0B\x0C".contains(b)) {
        return;
    }
    let full = Scanner::new().scan(line);
    let limited = Scanner::with_limits(2, 16).scan(line);

    // Same verdict and, for objects, the same envelope up to the listing limits.
    match (&full, &limited) {
        (Scanned::Object(a), Scanned::Object(b)) => {
            assert_eq!(a.record_id, b.record_id);
            assert_eq!(a.model_input, b.model_input);
            assert_eq!(a.unknown_keys, b.unknown_keys);
            assert_eq!(
                a.duplicate_keys.len() as u64,
                b.duplicate_keys.len() as u64 + b.duplicate_keys_unlisted
            );
            for (x, y) in a.duplicate_keys.iter().zip(&b.duplicate_keys) {
                assert_eq!((x.offset, &x.key), (y.offset, &y.key));
                assert!(y.pointer_elided || x.pointer == y.pointer);
                assert!(!x.pointer_elided);
            }
        }
        (a, b) => assert_eq!(a, b),
    }

    // serde_json stops at 128 levels; compare only shallower lines.
    let depth_bound = line.iter().filter(|&&b| b == b'[' || b == b'{').count();
    if depth_bound < 120 {
        let serde_ok = serde_json::from_slice::<serde::de::IgnoredAny>(line).is_ok();
        let scanner_ok = !matches!(full, Scanned::Invalid(_));
        assert_eq!(scanner_ok, serde_ok, "{:?}", String::from_utf8_lossy(line));
    }

    if let Scanned::Object(env) = &full {
        let members = env
            .record_id
            .iter()
            .chain(env.model_input.iter())
            .chain(env.unknown_keys.iter().map(|(m, _)| m));
        for m in members {
            assert!(m.key_start < m.value_start && m.value_start < m.value_end);
            assert!(m.value_end <= line.len());
            if line[m.value_start] == b'"' {
                let raw = &line[m.value_start + 1..m.value_end - 1];
                let _ = decode_string_contents(raw, m.has_escapes);
            }
        }
        // Every listed pointer is found, at a byte inside the line.
        let pointers: Vec<&str> = env.duplicate_keys.iter().map(|d| d.pointer.as_str()).collect();
        for at in locate_pointers(line, &pointers) {
            assert!(at <= line.len());
        }
        if let Some(mi) = env.model_input {
            let body = &line[mi.value_start..mi.value_end];
            let _ = locate_pointers(body, &["", "/messages/0/content", "/a~1b/~0"]);
        }
    }
});
