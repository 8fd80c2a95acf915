//! The whole check on any file: never panics, and the report is the same for any chunk size,
//! thread count and source (memory map or stream), as the ordered merge promises. The first
//! bytes choose the chunk size and thread count; the rest is the file.

#![no_main]

use std::io::Write;

use bedrock_batch::commands::validate::{validate, ValidateOptions};
use bedrock_batch::internals::StreamChunker;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [size_seed, threads_seed, diag_seed, rest @ ..] = data else {
        return;
    };
    let chunk_size = 1 + usize::from(*size_seed) * 3;
    let threads = 1 + usize::from(*threads_seed % 3);
    // Small limits cut inside lines; the largest lists everything (and must not overflow).
    let max_diagnostics = match diag_seed {
        255 => usize::MAX,
        d => 1 + usize::from(d % 12),
    };

    // The stream chunker hands back exactly the input, cut after line ends.
    let mut chunker = StreamChunker::new(rest, chunk_size);
    let mut joined = Vec::new();
    while let Some(chunk) = chunker.next_chunk().expect("reading a slice cannot fail") {
        assert!(!chunk.is_empty());
        joined.extend_from_slice(&chunk);
        assert!(chunk.ends_with(b"\n") || joined.len() == rest.len());
    }
    assert_eq!(joined, rest);

    let mut file = tempfile::Builder::new().suffix(".jsonl").tempfile().unwrap();
    file.write_all(rest).unwrap();
    let paths = [file.path().to_path_buf()];
    let base = ValidateOptions {
        max_diagnostics,
        threads: 1,
        ..ValidateOptions::default()
    };
    let reference = serde_json::to_string(&validate(&paths, &base).unwrap()).unwrap();
    for mmap in [true, false] {
        let opts = ValidateOptions {
            chunk_size,
            threads,
            mmap,
            ..base.clone()
        };
        let got = serde_json::to_string(&validate(&paths, &opts).unwrap()).unwrap();
        assert_eq!(got, reference, "chunk={chunk_size} threads={threads} mmap={mmap}");
    }
});
