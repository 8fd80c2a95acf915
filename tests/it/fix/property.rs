//! Property: for any input, `fix` then `validate` shows none of the repaired codes, and the
//! multiset of `modelInput` bodies of the records kept is unchanged.

use super::*;

/// One generated input line and what the test knows about it.
#[derive(Clone, Debug)]
enum Gen {
    /// A record that `fix` keeps, with its `modelInput` text.
    Record { line: String, body: String },
    /// A blank or whitespace-only line.
    Blank(String),
    /// A line `fix` must reject, byte for byte.
    Bad(Vec<u8>),
}

fn body() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("{}".to_string()),
        Just("{\"a\":1}".to_string()),
        Just("{ \"a\" : 1.0e3 , \"b\":[true,null] }".to_string()),
        Just("{\"s\":\"\\u00e9\\n\",\"k\":1,\"k\":2}".to_string()),
        "[a-z]{0,6}".prop_map(|t| format!("{{\"t\":\"{t}\"}}")),
    ]
}

fn record_id() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some("\"AAAAAAAAAAA\"".to_string())),
        Just(Some("\"REC00000001\"".to_string())),
        Just(Some("\"x\"".to_string())),
        Just(Some("\"\\u0078\"".to_string())),
        Just(Some("\"\"".to_string())),
        Just(Some("42".to_string())),
        Just(Some("null".to_string())),
    ]
}

fn gen_line() -> impl Strategy<Value = Gen> {
    prop_oneof![
        6 => (record_id(), body(), prop::option::of("[a-z]{1,4}"), any::<bool>(), any::<bool>()).prop_map(
            |(id, body, extra, id_last, dup_id)| {
                let mut members = Vec::new();
                if dup_id {
                    members.push("\"recordId\":\"dupdupdup00\"".to_string());
                }
                if let (Some(id), false) = (&id, id_last) {
                    members.push(format!("\"recordId\":{id}"));
                }
                members.push(format!("\"modelInput\" : {body}"));
                if let Some(k) = extra {
                    members.push(format!("\"{k}\":[1]"));
                }
                if let (Some(id), true) = (&id, id_last) {
                    members.push(format!("\"recordId\":{id}"));
                }
                Gen::Record { line: format!("{{{}}}", members.join(",")), body }
            }
        ),
        1 => prop_oneof![Just(""), Just("  "), Just("\t"), Just(" \t ")].prop_map(|s| Gen::Blank(s.to_string())),
        2 => prop_oneof![
            Just(b"not json".to_vec()),
            Just(b"[1]".to_vec()),
            Just(b"\"str\"".to_vec()),
            Just(b"{\"recordId\":\"x\"}".to_vec()),
            Just(b"{\"modelInput\":[]}".to_vec()),
            Just(b"{\"modelInput\":{\"a\":\"\xFF\"}}".to_vec()),
            Just(b"{\"modelInput\":{},}".to_vec()),
        ].prop_map(Gen::Bad),
    ]
}

fn input_strategy() -> impl Strategy<Value = (Vec<Gen>, bool, Vec<bool>, bool)> {
    (
        prop::collection::vec(gen_line(), 0..24),
        any::<bool>(),
        prop::collection::vec(any::<bool>(), 24),
        any::<bool>(),
    )
}

fn build(lines: &[Gen], bom: bool, crlf: &[bool], final_newline: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if bom {
        out.extend_from_slice("\u{FEFF}".as_bytes());
    }
    for (i, g) in lines.iter().enumerate() {
        match g {
            Gen::Record { line, .. } => out.extend_from_slice(line.as_bytes()),
            Gen::Blank(s) => out.extend_from_slice(s.as_bytes()),
            Gen::Bad(b) => out.extend_from_slice(b),
        }
        let last = i + 1 == lines.len();
        if !last || final_newline {
            out.extend_from_slice(if crlf[i] { b"\r\n" } else { b"\n" });
        }
    }
    out
}

fn check_fix(input: &[u8], gens: &[Gen], all_flags: bool, format: IdFormat, in_place: bool) {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "in.jsonl", input);
    let (out, target) = if in_place {
        (path.clone(), Target::InPlace)
    } else {
        let out = dir.path().join("out.jsonl");
        (out.clone(), Target::Out(out))
    };
    let mut opts = FixOptions::new(target);
    opts.add_record_ids = all_flags;
    opts.dedupe_record_ids = all_flags;
    opts.drop_unknown_keys = all_flags;
    opts.id_format = format;
    opts.chunk_size = 64;
    let report = fix(std::slice::from_ref(&path), &opts, &NoProgress).expect("fix runs");
    if !in_place {
        assert_eq!(read(&path), input, "the input is never modified");
    }

    let vopts = ValidateOptions {
        max_diagnostics: usize::MAX,
        ..ValidateOptions::default()
    };
    let v = validate(std::slice::from_ref(&out), &vopts).unwrap();
    for code in opts.repaired_codes() {
        assert!(
            !v.summary.by_code.contains_key(code.as_str()),
            "{code} left in the output: {:?}\ninput: {:?}",
            v.diagnostics,
            String::from_utf8_lossy(input)
        );
    }
    // A repeated key may remain only inside a value, never at the top level.
    for d in &v.diagnostics {
        if d.code.as_str() == "L008" {
            let p = d.pointer.as_deref().unwrap_or("");
            assert!(p.rfind('/') != Some(0), "top-level repeat left: {p}");
        }
    }

    let bytes = read(&out);
    let mut got: Vec<Vec<u8>> = lines(&bytes).iter().map(|l| members(l).1).collect();
    let mut want: Vec<Vec<u8>> = gens
        .iter()
        .filter_map(|g| match g {
            Gen::Record { body, .. } => Some(body.as_bytes().to_vec()),
            _ => None,
        })
        .collect();
    got.sort();
    want.sort();
    assert_eq!(got, want, "modelInput bodies changed");

    let bad: Vec<&[u8]> = gens
        .iter()
        .filter_map(|g| match g {
            Gen::Bad(b) => Some(b.as_slice()),
            _ => None,
        })
        .collect();
    let rejected_path = dir.path().join(if in_place {
        "in.rejected.jsonl"
    } else {
        "out.rejected.jsonl"
    });
    if bad.is_empty() {
        assert!(!rejected_path.exists());
    } else {
        let rejected = read(&rejected_path);
        assert_eq!(
            lines(&rejected),
            bad,
            "rejected lines, byte for byte, in order"
        );
    }
    assert_eq!(report.rejected.len(), bad.len());
    if all_flags {
        // Ids are unique and every record has one.
        let ids: Vec<String> = lines(&bytes).iter().map(|l| id_of(l)).collect();
        let unique: HashSet<&String> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn fix_then_validate_shows_no_repaired_code_and_keeps_every_body(
        (gens, bom, crlf, final_newline) in input_strategy(),
        all_flags in any::<bool>(),
        in_place in any::<bool>(),
        format in prop_oneof![Just(IdFormat::Alnum), Just(IdFormat::Seq), Just(IdFormat::Hash), Just(IdFormat::Uuid)],
    ) {
        let input = build(&gens, bom, &crlf, final_newline);
        check_fix(&input, &gens, all_flags, format, in_place);
    }
}
