//! The envelope of one record: JSON object, `recordId`, `modelInput`, other keys, and the
//! hand-off of the body to the model's check.

use super::*;
use crate::json::{decode_string_contents, ValueKind};
use crate::rules::RuleCode;

impl ChunkChecker<'_, '_> {
    pub(super) fn envelope(
        &mut self,
        start: usize,
        rel_line: u64,
        first: usize,
        line: &[u8],
        env: crate::json::Envelope,
    ) {
        for dup in &env.duplicate_keys {
            self.emit(
                RuleCode::L008,
                start,
                rel_line,
                dup.offset,
                (!dup.pointer_elided).then(|| dup.pointer.clone()),
                || {
                    format!(
                        "key \"{}\" appears twice in one object; parsers disagree on which value wins",
                        shorten(&dup.key, 60)
                    )
                },
            );
        }
        // Repeats past the scanner's detail limit could not be listed anyway; count them.
        if self.rules.rules.is_enabled(RuleCode::L008) {
            self.count(RuleCode::L008, env.duplicate_keys_unlisted);
        }
        // A line of the OpenAI Batch API (`custom_id`, `method`, `url`, `body`) has the request
        // one level off and under other names: one R001 that says how to convert it, instead
        // of R001, R003 and an R007 per key. Still R001: the record has no modelInput, so the
        // Validating phase fails the job.
        let model_input = classify_model_input(&env);
        let openai_line =
            model_input == ModelInput::Missing && is_openai_batch_line(&env.unknown_keys);
        match model_input {
            ModelInput::Missing if openai_line => self.emit(
                RuleCode::R001,
                start,
                rel_line,
                first,
                Some(String::new()),
                || "record has no modelInput: this is an OpenAI Batch API request line (custom_id, method, url, body); a Bedrock record is {\"recordId\": <custom_id>, \"modelInput\": <body without its \"model\">}, with the model chosen by the job (--model-id)".into(),
            ),
            ModelInput::Missing => self.emit(
                RuleCode::R001,
                start,
                rel_line,
                first,
                Some(String::new()),
                || "record has no modelInput".into(),
            ),
            ModelInput::NotObject(m) => self.emit(
                RuleCode::R002,
                start,
                rel_line,
                m.value_start,
                Some("/modelInput".into()),
                || {
                    let hint = if m.kind == ValueKind::String {
                        " (a JSON document inside a string? put the object itself)"
                    } else {
                        ""
                    };
                    format!(
                        "modelInput is {}, not an object{hint}",
                        m.kind.with_article()
                    )
                },
            ),
            ModelInput::Object(m) => {
                let size = m.value_end - m.value_start;
                let oversized = is_oversized_body(&m);
                if oversized {
                    self.emit(
                        RuleCode::R008,
                        start,
                        rel_line,
                        m.value_start,
                        Some("/modelInput".into()),
                        || {
                            format!(
                                "modelInput is {} bytes; InvokeModel bodies are limited to {} bytes{}",
                                group_digits(size as u64),
                                group_digits(MAX_MODEL_INPUT_BYTES as u64),
                                if self.rules.body.is_some() {
                                    " (so it is not checked against the schema)"
                                } else {
                                    ""
                                }
                            )
                        },
                    );
                }
                // An oversized body is already an error, and its parse tree (many times its
                // size) is the one thing that would let a single line take the memory.
                let body_check = self.rules.body.filter(|_| !oversized);
                if let Some(body) = body_check {
                    let body_bytes = &line[m.value_start..m.value_end];
                    // The line is valid UTF-8 (checked before it was scanned), and a body
                    // starts and ends at ASCII bytes, so the slice is text.
                    let body_text = match self.text {
                        Some(text) => &text[start + m.value_start..start + m.value_end],
                        None => std::str::from_utf8(body_bytes).unwrap_or_default(),
                    };
                    self.body_findings.clear();
                    body.check_recorded(body_text, &self.tape, &mut self.body_findings);
                    let unlisted = self.body_findings.unlisted;
                    let mut listed = std::mem::take(&mut self.body_findings.listed);
                    for (i, &n) in unlisted.iter().enumerate() {
                        self.count(RuleCode::ALL[i], n);
                    }
                    // Point at the offending value (or, for a missing field, at the object
                    // that lacks it), not just at the body; one walk places them all.
                    let pointers: Vec<&str> = if self.has_room() {
                        listed.iter().map(|f| f.pointer.as_str()).collect()
                    } else {
                        Vec::new()
                    };
                    let offsets = if pointers.is_empty() {
                        Vec::new()
                    } else {
                        crate::json::locate_pointers(body_bytes, &pointers)
                    };
                    for (k, f) in listed.drain(..).enumerate() {
                        // With no room left (body findings are never validating-phase ones),
                        // the findings are only counted, at the body's start.
                        let at = m.value_start + offsets.get(k).copied().unwrap_or(0);
                        let pointer = format!("/modelInput{}", f.pointer);
                        self.emit(f.code, start, rel_line, at, Some(pointer), || f.message);
                    }
                    self.body_findings.listed = listed;
                }
            }
        }
        match env.record_id {
            None if openai_line => {}
            None => self.emit(
                RuleCode::R003,
                start,
                rel_line,
                first,
                Some(String::new()),
                || "Record has no recordId".into(),
            ),
            Some(m) if m.kind != ValueKind::String => self.emit(
                RuleCode::R004,
                start,
                rel_line,
                m.value_start,
                Some("/recordId".into()),
                || {
                    format!(
                        "recordId is {} ({}), not a string",
                        m.kind.with_article(),
                        String::from_utf8_lossy(
                            &line[m.value_start..m.value_end.min(m.value_start + 40)]
                        )
                    )
                },
            ),
            Some(m) => {
                let raw = &line[m.value_start + 1..m.value_end - 1];
                let id = decode_string_contents(raw, m.has_escapes);
                if id.is_empty() {
                    self.emit(
                        RuleCode::R004,
                        start,
                        rel_line,
                        m.value_start,
                        Some("/recordId".into()),
                        || "recordId is an empty string".into(),
                    );
                } else {
                    if self.rules.rules.is_enabled(RuleCode::R005) {
                        if let Some(why) = record_id_oddity(&id) {
                            self.odd_id(start, rel_line, m.value_start, &id, &why);
                        }
                    }
                    self.out.ids.push(IdEntry {
                        hash: xxhash_rust::xxh3::xxh3_128(id.as_bytes()),
                        rel_line,
                        span: (start + m.value_start, start + m.value_end),
                        line_start: start,
                        escaped: m.has_escapes,
                    });
                }
            }
        }
        for (m, key) in &env.unknown_keys {
            if openai_line && OPENAI_BATCH_KEYS.contains(&key.as_str()) {
                continue;
            }
            self.emit(
                RuleCode::R007,
                start,
                rel_line,
                m.key_start,
                Some({
                    let mut p = String::new();
                    crate::diagnostic::push_pointer_token(&mut p, key);
                    p
                }),
                || {
                    format!(
                        "unknown top-level key \"{}\"; a record holds only recordId and modelInput",
                        shorten(key, 60)
                    )
                },
            );
        }
    }

    /// Notes a record whose id is not plain (R005): counted for the file's one finding, the
    /// first one placed.
    pub(super) fn odd_id(
        &mut self,
        line_start: usize,
        rel_line: u64,
        at: usize,
        id: &str,
        why: &str,
    ) {
        self.out.odd_ids += 1;
        if self.out.first_odd_id.is_none() {
            let p = Pending {
                code: RuleCode::R005,
                rel_line,
                line_start,
                at: line_start + at,
                pointer: Some("/recordId".into()),
                message: format!("\"{}\" {why}", shorten(id, 60)),
            };
            self.out.first_odd_id = Some(self.place(&p));
        }
    }
}

/// What a record's `modelInput` is: the decision (rules R001, R002) that `validate` and
/// `fix` share.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ModelInput {
    /// The record has none (R001).
    Missing,
    /// It is not an object (R002).
    NotObject(crate::json::Member),
    /// An object: the body.
    Object(crate::json::Member),
}

/// Judges a record's `modelInput` (see [`ModelInput`]).
#[inline]
pub(crate) fn classify_model_input(env: &crate::json::Envelope) -> ModelInput {
    match env.model_input {
        None => ModelInput::Missing,
        Some(m) if m.kind != ValueKind::Object => ModelInput::NotObject(m),
        Some(m) => ModelInput::Object(m),
    }
}

/// Whether a `modelInput` value is over the InvokeModel body limit (rule R008).
#[inline]
pub(crate) fn is_oversized_body(m: &crate::json::Member) -> bool {
    m.value_end - m.value_start > MAX_MODEL_INPUT_BYTES
}

/// Whether a character may appear in a plain record id: ASCII letters and digits, with
/// `-`, `_`, `.` and `:` as separators (UUIDs, ULIDs, `REC00000001`, `tenant:doc.pdf:3`).
pub(super) fn is_plain_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':')
}

/// What is unusual about a (non-empty) record id, as the end of a sentence, or `None` for a
/// plain id (R005). Shared by `validate` and `fix`, so both judge ids alike.
pub fn record_id_oddity(id: &str) -> Option<String> {
    let odd = id.chars().find(|&c| !is_plain_id_char(c));
    let Some(c) = odd else {
        let n = id.len();
        return (n > MAX_PLAIN_RECORD_ID_CHARS).then(|| {
            format!(
                "is {} characters long (plain ids have at most {MAX_PLAIN_RECORD_ID_CHARS})",
                group_digits(n as u64)
            )
        });
    };
    let code = format!("U+{:04X}", c as u32);
    Some(if c.is_whitespace() {
        format!("holds whitespace ({code})")
    } else if c.is_control() {
        format!("holds a control character ({code})")
    } else if !c.is_ascii() {
        format!("holds the non-ASCII character '{c}' ({code})")
    } else {
        format!("holds '{c}'")
    })
}

/// The top-level keys of an OpenAI Batch API request line.
pub(super) const OPENAI_BATCH_KEYS: &[&str] = &["custom_id", "method", "url", "body"];

/// Whether a record's unknown top-level keys are those of an OpenAI Batch API line: `body`
/// and at least one of `custom_id`, `method`, `url`.
pub(super) fn is_openai_batch_line(keys: &[(crate::json::Member, String)]) -> bool {
    let has = |k: &str| keys.iter().any(|(_, key)| key == k);
    has("body") && (has("custom_id") || has("method") || has("url"))
}
