//! "Did you mean": a field the body's schema does not accept, matched to the field it most
//! likely stands for.
//!
//! Users rarely invent fields; they misspell one (`temprature`), write it in another family's
//! case (`max_tokens` in a Nova `inferenceConfig`, whose field is `maxTokens`), use another
//! family's name for the same setting (`max_gen_len`, Llama's, in a Claude body), or put it one
//! level off (`maxTokens` at a Nova body's root instead of inside `inferenceConfig`). The
//! schema alone reports such a field as unexpected (M002) and, when the field it stands for is
//! required, that one as missing (M001): two findings for one slip. [`suggest`] names the
//! intended field, so the pair becomes one finding that says what to write.
//!
//! Runs only for bodies that already failed their schema, so it costs nothing on valid input.

use serde_json::Value;

/// Names the model families use for the same setting. Each group is one setting; a name in a
/// group stands for any other name of the group that the schema accepts at that place.
const SYNONYMS: &[&[&str]] = &[
    &[
        "max_tokens",
        "maxTokens",
        "max_new_tokens",
        "max_gen_len",
        "maxTokenCount",
        "max_completion_tokens",
        "max_tokens_to_sample",
        "max_output_tokens",
        "maxOutputTokens",
        "max_length",
    ],
    &["temperature", "temp"],
    &["top_p", "topP"],
    &["top_k", "topK"],
    &[
        "stop_sequences",
        "stopSequences",
        "stop",
        "stop_tokens",
        "stopTokens",
    ],
    &["system", "system_prompt", "systemPrompt", "instructions"],
    &["messages", "conversation", "chat", "turns"],
    &[
        "prompt",
        "inputText",
        "input_text",
        "input",
        "inputs",
        "text",
    ],
];

/// What a misplaced or misspelled field most likely stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Suggestion {
    /// The intended field's name, at the same level as the unexpected one (`maxTokens`), or
    /// inside one of its sibling objects (`inferenceConfig/maxTokens`).
    pub path: String,
    /// Whether the intended field is at the same level (the name is the only slip).
    pub same_level: bool,
}

/// `name` folded for comparison: case and separators ignored (`max_tokens` ≡ `maxTokens`).
fn fold(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '_' | '-' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

fn group_of(name: &str) -> Option<&'static [&'static str]> {
    let folded = fold(name);
    SYNONYMS
        .iter()
        .copied()
        .find(|g| g.iter().any(|n| fold(n) == folded))
}

/// How many single-character edits a misspelling may be off by: one for short names, two for
/// names of eight characters and more (`anthropic_verison`, `temprature`).
fn max_distance(name: &str) -> usize {
    if name.chars().count() >= 8 {
        2
    } else {
        1
    }
}

/// The best match for `name` among `known`, by the rules in the module doc, in this order: the
/// same name in another case or separator style; a name of the same synonym group (one that is
/// `missing` first, when there are several); a near spelling (unique at its distance).
fn best_match<'k>(name: &str, known: &[&'k str], missing: &[&str]) -> Option<&'k str> {
    let folded = fold(name);
    if let Some(k) = known.iter().find(|k| fold(k) == folded) {
        return Some(k);
    }
    if let Some(group) = group_of(name) {
        let in_group: Vec<&'k str> = known
            .iter()
            .copied()
            .filter(|k| group.iter().any(|g| fold(g) == fold(k)))
            .collect();
        if let Some(k) = in_group
            .iter()
            .find(|k| missing.contains(k))
            .or(in_group.first())
        {
            return Some(k);
        }
    }
    let limit = max_distance(name);
    let mut best: Option<(usize, &'k str)> = None;
    let mut tie = false;
    for k in known {
        let d = strsim::damerau_levenshtein(&folded, &fold(k));
        if d == 0 || d > limit {
            continue;
        }
        match best {
            Some((bd, _)) if d > bd => {}
            Some((bd, _)) if d == bd => tie = true,
            _ => {
                best = Some((d, k));
                tie = false;
            }
        }
    }
    best.filter(|_| !tie).map(|(_, k)| k)
}

/// The property names a schema object declares (its own `properties`; `$ref`s followed).
pub(super) fn declared(root: &Value, node: &Value) -> Vec<String> {
    super::branches(root, node)
        .into_iter()
        .filter_map(|n| n.get("properties").and_then(Value::as_object))
        .flat_map(|p| p.keys().cloned())
        .fold(Vec::new(), |mut all, k| {
            if !all.contains(&k) {
                all.push(k);
            }
            all
        })
}

/// What the unexpected field `name` most likely stands for, in the object whose schema is
/// `node` (the schema holding the failed `additionalProperties`), given the required fields
/// that object lacks (`missing`). `None` when nothing is close enough.
pub(super) fn suggest(
    root: &Value,
    node: &Value,
    name: &str,
    missing: &[&str],
) -> Option<Suggestion> {
    let own = declared(root, node);
    let known: Vec<&str> = own.iter().map(String::as_str).collect();
    if let Some(k) = best_match(name, &known, missing) {
        return Some(Suggestion {
            path: k.to_string(),
            same_level: true,
        });
    }
    // One level down: a setting written beside the object that holds it (Nova's and
    // Converse's `inferenceConfig`, Titan's `textGenerationConfig`).
    let props = super::branches(root, node)
        .into_iter()
        .filter_map(|n| n.get("properties").and_then(Value::as_object))
        .flat_map(|p| p.iter());
    for (child, schema) in props {
        let inner = declared(root, schema);
        let inner: Vec<&str> = inner.iter().map(String::as_str).collect();
        // Only exact names and synonyms: a near spelling one level down is a guess too far.
        let folded = fold(name);
        let found = inner.iter().find(|k| fold(k) == folded).or_else(|| {
            let group = group_of(name)?;
            inner
                .iter()
                .find(|k| group.iter().any(|g| fold(g) == fold(k)))
        });
        if let Some(k) = found {
            return Some(Suggestion {
                path: format!("{child}/{k}"),
                same_level: false,
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn nova() -> Value {
        json!({"type": "object", "additionalProperties": false, "required": ["messages"],
               "properties": {"messages": {"type": "array"}, "system": {"type": "array"},
                   "inferenceConfig": {"$ref": "#/$defs/inference"}},
               "$defs": {"inference": {"type": "object", "additionalProperties": false,
                   "properties": {"maxTokens": {}, "max_new_tokens": {}, "temperature": {},
                                  "topP": {}, "top_p": {}, "stopSequences": {}}}}})
    }

    fn claude() -> Value {
        json!({"type": "object", "required": ["anthropic_version", "max_tokens", "messages"],
               "properties": {"anthropic_version": {}, "max_tokens": {}, "messages": {},
                              "system": {}, "temperature": {}, "top_p": {}, "top_k": {},
                              "stop_sequences": {}}})
    }

    fn at(root: &Value, node: &Value, name: &str, missing: &[&str]) -> Option<(String, bool)> {
        suggest(root, node, name, missing).map(|s| (s.path, s.same_level))
    }

    #[test]
    fn case_style_wins_over_synonyms() {
        let root = nova();
        let inference = root["$defs"]["inference"].clone();
        assert_eq!(
            at(&root, &inference, "max_tokens", &[]),
            Some(("maxTokens".into(), true))
        );
        assert_eq!(
            at(&root, &inference, "stop_sequences", &[]),
            Some(("stopSequences".into(), true))
        );
        // Another family's name for the same setting.
        assert_eq!(
            at(&root, &inference, "max_gen_len", &[]),
            Some(("maxTokens".into(), true))
        );
    }

    #[test]
    fn synonyms_prefer_the_missing_required_field() {
        let root = claude();
        for name in [
            "maxTokens",
            "max_gen_len",
            "maxTokenCount",
            "max_completion_tokens",
        ] {
            assert_eq!(
                at(&root, &root, name, &["max_tokens"]),
                Some(("max_tokens".into(), true)),
                "{name}"
            );
        }
        assert_eq!(
            at(&root, &root, "stopSequences", &[]),
            Some(("stop_sequences".into(), true))
        );
        assert_eq!(at(&root, &root, "topK", &[]), Some(("top_k".into(), true)));
    }

    #[test]
    fn misspellings_within_reach_and_unique() {
        let root = claude();
        assert_eq!(
            at(&root, &root, "anthropic_verison", &["anthropic_version"]),
            Some(("anthropic_version".into(), true))
        );
        assert_eq!(
            at(&root, &root, "temprature", &[]),
            Some(("temperature".into(), true))
        );
        assert_eq!(
            at(&root, &root, "mesages", &[]),
            Some(("messages".into(), true))
        );
        // Too far, or nothing like it.
        assert_eq!(at(&root, &root, "modelId", &[]), None);
        assert_eq!(at(&root, &root, "stream", &[]), None);
        assert_eq!(at(&root, &root, "tools", &[]), None);
    }

    #[test]
    fn a_setting_beside_its_object_is_placed_in_it() {
        let root = nova();
        assert_eq!(
            at(&root, &root, "maxTokens", &[]),
            Some(("inferenceConfig/maxTokens".into(), false))
        );
        assert_eq!(
            at(&root, &root, "temperature", &[]),
            Some(("inferenceConfig/temperature".into(), false))
        );
        assert_eq!(
            at(&root, &root, "max_tokens", &[]),
            Some(("inferenceConfig/maxTokens".into(), false))
        );
    }
}
