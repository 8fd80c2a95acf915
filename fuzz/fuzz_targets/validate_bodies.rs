//! Records with bodies checked against a model's schema (the `jsonschema` stage): never
//! panics, and the report does not depend on chunking or source. The input is wrapped as the
//! `modelInput` of each line, so the fuzzer spends its time inside bodies.

#![no_main]

use std::io::Write;

use bedrock_batch::commands::validate::{validate, ValidateOptions};
use libfuzzer_sys::fuzz_target;

const MODELS: [&str; 3] = [
    "anthropic.claude-3-5-haiku-20241022-v1:0",
    "amazon.nova-pro-v1:0",
    "meta.llama3-1-8b-instruct-v1:0",
];

fuzz_target!(|data: &[u8]| {
    let [model_seed, size_seed, rest @ ..] = data else {
        return;
    };
    let model = MODELS[usize::from(*model_seed) % MODELS.len()];
    let mut file_bytes = Vec::new();
    for (i, body) in rest.split(|&b| b == b'\n').enumerate() {
        write!(file_bytes, "{{\"recordId\":\"REC{i:08}\",\"modelInput\":").unwrap();
        file_bytes.extend_from_slice(body);
        file_bytes.extend_from_slice(b"}\n");
    }
    let mut file = tempfile::Builder::new().suffix(".jsonl").tempfile().unwrap();
    file.write_all(&file_bytes).unwrap();
    let paths = [file.path().to_path_buf()];
    let base = ValidateOptions {
        model_id: Some(model.to_string()),
        max_diagnostics: 1 + usize::from(*size_seed % 7),
        threads: 1,
        ..ValidateOptions::default()
    };
    let reference = serde_json::to_string(&validate(&paths, &base).unwrap()).unwrap();
    let opts = ValidateOptions {
        chunk_size: 1 + usize::from(*size_seed),
        threads: 2,
        mmap: false,
        ..base.clone()
    };
    let got = serde_json::to_string(&validate(&paths, &opts).unwrap()).unwrap();
    assert_eq!(got, reference);
});
