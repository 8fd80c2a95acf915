//! Known `modelOutput` shapes: the generated text or embedding, token usage and stop reason
//! as plain fields.
//!
//! For `InvokeModel` jobs `modelOutput` is the model's InvokeModel response body, for
//! `Converse` jobs the Converse response (reference §3.1). The shapes read here:
//!
//! | shape | text / embedding | usage (input, output) | stop reason |
//! |---|---|---|---|
//! | Claude Messages | `content[].text` (type `text`) | `usage.input_tokens`, `usage.output_tokens` | `stop_reason` |
//! | Nova, Converse | `output.message.content[].text` | `usage.inputTokens`, `usage.outputTokens` | `stopReason` |
//! | Llama | `generation` | `prompt_token_count`, `generation_token_count` | `stop_reason` |
//! | Titan Text | `results[0].outputText` | `inputTextTokenCount`, `results[].tokenCount` | `results[0].completionReason` |
//! | Titan embeddings (text v2, image G1) | `embedding` | `inputTextTokenCount`, 0 | – |
//! | Mistral text | `outputs[0].text` | – | `outputs[0].stop_reason` |
//! | gpt-oss, Mistral chat, DeepSeek (chat completions) | `choices[0].message.content` or `choices[0].text` | `usage.prompt_tokens`, `usage.completion_tokens` | `choices[0].finish_reason` or `stop_reason` |
//! | Cohere Embed, Nova multimodal embeddings | `embeddings[0]`, `embeddings.float[0]`, `embeddings[0].embedding` | – | – |
//!
//! The shape is recognised by the body's own keys; with `--model-id`, the model family's
//! shape is tried first. Anything else is passed on untouched in `modelOutput`.

use serde::Deserialize;
use serde_json::{Map, Value};

/// Token usage of one output, read without building the body: only the members that carry
/// usage are decoded, everything else is skipped.
pub fn usage(model_output: &[u8]) -> Option<(u64, u64)> {
    #[derive(Deserialize)]
    #[allow(non_snake_case)]
    struct Usage {
        input_tokens: Option<u64>,
        output_tokens: Option<u64>,
        inputTokens: Option<u64>,
        outputTokens: Option<u64>,
        prompt_tokens: Option<u64>,
        completion_tokens: Option<u64>,
    }
    #[derive(Deserialize)]
    struct TitanResult {
        #[serde(rename = "tokenCount")]
        token_count: Option<u64>,
    }
    #[derive(Deserialize)]
    struct Probe {
        usage: Option<Usage>,
        prompt_token_count: Option<u64>,
        generation_token_count: Option<u64>,
        #[serde(rename = "inputTextTokenCount")]
        input_text_token_count: Option<u64>,
        results: Option<Vec<TitanResult>>,
    }
    let probe: Probe = serde_json::from_slice(model_output).ok()?;
    if let Some(u) = probe.usage {
        let pairs = [
            (u.input_tokens, u.output_tokens),
            (u.inputTokens, u.outputTokens),
            (u.prompt_tokens, u.completion_tokens),
        ];
        for (i, o) in pairs {
            if i.is_some() || o.is_some() {
                return Some((i.unwrap_or(0), o.unwrap_or(0)));
            }
        }
    }
    if probe.prompt_token_count.is_some() || probe.generation_token_count.is_some() {
        return Some((
            probe.prompt_token_count.unwrap_or(0),
            probe.generation_token_count.unwrap_or(0),
        ));
    }
    if let Some(i) = probe.input_text_token_count {
        let o = probe
            .results
            .iter()
            .flatten()
            .filter_map(|r| r.token_count)
            .sum();
        return Some((i, o));
    }
    None
}

/// The plain fields of one output.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plain {
    /// The generated text.
    pub text: Option<String>,
    /// The embedding (an array of numbers, as the model wrote it).
    pub embedding: Option<Value>,
    /// Input tokens.
    pub input_tokens: Option<u64>,
    /// Output tokens.
    pub output_tokens: Option<u64>,
    /// Why generation stopped.
    pub stop_reason: Option<String>,
}

/// The output shapes this module reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    Claude,
    NovaOrConverse,
    Llama,
    TitanText,
    TitanEmbedding,
    MistralText,
    ChatCompletions,
    Embeddings,
}

const ALL: [Shape; 8] = [
    Shape::Claude,
    Shape::NovaOrConverse,
    Shape::Llama,
    Shape::TitanText,
    Shape::TitanEmbedding,
    Shape::MistralText,
    Shape::ChatCompletions,
    Shape::Embeddings,
];

/// The shape a body family's outputs have (the catalog's family names), or a Converse job's.
fn of_family(family: &str) -> Option<Shape> {
    Some(match family {
        "anthropic-claude-messages" => Shape::Claude,
        "amazon-nova-messages-v1" | "converse" => Shape::NovaOrConverse,
        "meta-llama" => Shape::Llama,
        "amazon-titan-text" => Shape::TitanText,
        "amazon-titan-embed-text-v2" | "amazon-titan-embed-image-v1" => Shape::TitanEmbedding,
        "mistral-text" => Shape::MistralText,
        "mistral-chat" | "openai-chat-completions" | "deepseek-r1" => Shape::ChatCompletions,
        "cohere-embed" | "amazon-nova-multimodal-embeddings" => Shape::Embeddings,
        _ => return None,
    })
}

/// Reads the plain fields of `model_output` (the body's JSON text); `family` is tried first.
/// `None` when the text is not a JSON object or no known shape fits.
pub fn plain(model_output: &[u8], family: Option<&str>) -> Option<Plain> {
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(model_output) else {
        return None;
    };
    let first = family.and_then(of_family);
    first
        .into_iter()
        .chain(ALL.into_iter().filter(|s| Some(*s) != first))
        .find_map(|shape| read(shape, &body))
}

fn read(shape: Shape, b: &Map<String, Value>) -> Option<Plain> {
    let u64_at = |v: Option<&Value>| v.and_then(Value::as_u64);
    let str_at = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
    let usage = b.get("usage");
    let plain = match shape {
        Shape::Claude => {
            let content = b.get("content")?.as_array()?;
            Plain {
                text: Some(texts(content, true)),
                input_tokens: u64_at(usage.and_then(|u| u.get("input_tokens"))),
                output_tokens: u64_at(usage.and_then(|u| u.get("output_tokens"))),
                stop_reason: str_at(b.get("stop_reason")),
                ..Plain::default()
            }
        }
        Shape::NovaOrConverse => {
            let content = b
                .get("output")?
                .get("message")?
                .get("content")?
                .as_array()?;
            Plain {
                text: Some(texts(content, false)),
                input_tokens: u64_at(usage.and_then(|u| u.get("inputTokens"))),
                output_tokens: u64_at(usage.and_then(|u| u.get("outputTokens"))),
                stop_reason: str_at(b.get("stopReason")),
                ..Plain::default()
            }
        }
        Shape::Llama => Plain {
            text: Some(b.get("generation")?.as_str()?.to_string()),
            input_tokens: u64_at(b.get("prompt_token_count")),
            output_tokens: u64_at(b.get("generation_token_count")),
            stop_reason: str_at(b.get("stop_reason")),
            ..Plain::default()
        },
        Shape::TitanText => {
            let results = b.get("results")?.as_array()?;
            let first = results.first()?;
            Plain {
                text: Some(first.get("outputText")?.as_str()?.to_string()),
                input_tokens: u64_at(b.get("inputTextTokenCount")),
                output_tokens: Some(
                    results
                        .iter()
                        .filter_map(|r| r.get("tokenCount").and_then(Value::as_u64))
                        .sum(),
                ),
                stop_reason: str_at(first.get("completionReason")),
                ..Plain::default()
            }
        }
        Shape::TitanEmbedding => {
            let embedding = b.get("embedding").filter(|e| e.is_array())?;
            Plain {
                embedding: Some(embedding.clone()),
                input_tokens: u64_at(b.get("inputTextTokenCount")),
                output_tokens: u64_at(b.get("inputTextTokenCount")).map(|_| 0),
                ..Plain::default()
            }
        }
        Shape::MistralText => {
            let first = b.get("outputs")?.as_array()?.first()?;
            Plain {
                text: Some(first.get("text")?.as_str()?.to_string()),
                stop_reason: str_at(first.get("stop_reason")),
                ..Plain::default()
            }
        }
        Shape::ChatCompletions => {
            let first = b.get("choices")?.as_array()?.first()?;
            let text = match first.get("message").and_then(|m| m.get("content")) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Array(parts)) => texts(parts, true),
                _ => first.get("text")?.as_str()?.to_string(),
            };
            Plain {
                text: Some(text),
                input_tokens: u64_at(usage.and_then(|u| u.get("prompt_tokens"))),
                output_tokens: u64_at(usage.and_then(|u| u.get("completion_tokens"))),
                stop_reason: str_at(first.get("finish_reason"))
                    .or_else(|| str_at(first.get("stop_reason"))),
                ..Plain::default()
            }
        }
        Shape::Embeddings => {
            let embeddings = b.get("embeddings")?;
            let first = match embeddings {
                Value::Array(list) => list.first()?,
                Value::Object(by_type) => by_type.get("float")?.as_array()?.first()?,
                _ => return None,
            };
            // Nova multimodal: [{"embeddingType": ..., "embedding": [...]}].
            let vector = first.get("embedding").unwrap_or(first);
            if !vector.is_array() {
                return None;
            }
            Plain {
                embedding: Some(vector.clone()),
                ..Plain::default()
            }
        }
    };
    Some(plain)
}

/// The texts of content blocks, joined. `typed`: only blocks of type `text` count (Claude,
/// chat completions); otherwise every block with a `text` (Nova, Converse).
fn texts(blocks: &[Value], typed: bool) -> String {
    blocks
        .iter()
        .filter(|b| !typed || b.get("type").and_then(Value::as_str) == Some("text"))
        .filter_map(|b| b.get("text").and_then(Value::as_str))
        .collect::<Vec<_>>()
        .join("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_of_every_family() {
        let claude = br#"{"id":"msg_01","type":"message","role":"assistant","content":[{"type":"text","text":"Hi"}],"stop_reason":"end_turn","usage":{"input_tokens":12,"output_tokens":5}}"#;
        assert_eq!(usage(claude), Some((12, 5)));
        let nova = br#"{"output":{"message":{"role":"assistant","content":[{"text":"Hi"}]}},"stopReason":"end_turn","usage":{"inputTokens":7,"outputTokens":2,"totalTokens":9}}"#;
        assert_eq!(usage(nova), Some((7, 2)));
        let llama = br#"{"generation":"Hi","prompt_token_count":8,"generation_token_count":1,"stop_reason":"stop"}"#;
        assert_eq!(usage(llama), Some((8, 1)));
        let titan = br#"{"inputTextTokenCount":8,"results":[{"tokenCount":3,"outputText":"blue\n","completionReason":"FINISH"}]}"#;
        assert_eq!(usage(titan), Some((8, 3)));
        let embed = br#"{"embedding":[0.1,-0.2],"inputTextTokenCount":4}"#;
        assert_eq!(usage(embed), Some((4, 0)));
        let gpt = br#"{"choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12}}"#;
        assert_eq!(usage(gpt), Some((9, 3)));
        assert_eq!(
            usage(br#"{"outputs":[{"text":"Hi","stop_reason":"stop"}]}"#),
            None
        );
    }

    #[test]
    fn plain_fields_of_every_family() {
        let claude = br#"{"content":[{"type":"text","text":"Hel"},{"type":"tool_use","id":"t"},{"type":"text","text":"lo"}],"stop_reason":"max_tokens","usage":{"input_tokens":12,"output_tokens":5}}"#;
        let p = plain(claude, None).unwrap();
        assert_eq!(p.text.as_deref(), Some("Hello"));
        assert_eq!((p.input_tokens, p.output_tokens), (Some(12), Some(5)));
        assert_eq!(p.stop_reason.as_deref(), Some("max_tokens"));
        let titan = br#"{"inputTextTokenCount":8,"results":[{"tokenCount":3,"outputText":"blue\n","completionReason":"FINISH"}]}"#;
        let p = plain(titan, Some("amazon-titan-text")).unwrap();
        assert_eq!(p.text.as_deref(), Some("blue\n"));
        assert_eq!(p.stop_reason.as_deref(), Some("FINISH"));
        let embed = br#"{"embedding":[0.5,-0.25],"inputTextTokenCount":4}"#;
        let p = plain(embed, None).unwrap();
        assert_eq!(p.embedding, Some(serde_json::json!([0.5, -0.25])));
        let cohere = br#"{"embeddings":{"float":[[1.5,2.5]]},"id":"x","response_type":"embeddings_by_type"}"#;
        assert_eq!(
            plain(cohere, None).unwrap().embedding,
            Some(serde_json::json!([1.5, 2.5]))
        );
        let r1 = br#"{"choices":[{"text":"<think>..</think>42","stop_reason":"stop"}]}"#;
        let p = plain(r1, Some("deepseek-r1")).unwrap();
        assert_eq!(p.text.as_deref(), Some("<think>..</think>42"));
        assert_eq!(p.stop_reason.as_deref(), Some("stop"));
        assert_eq!(plain(br#"{"something":"else"}"#, None), None);
        assert_eq!(plain(b"[1]", None), None);
    }
}
