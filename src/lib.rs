//! `bedrock-batch`: check and prepare JSONL input for Amazon Bedrock batch inference.
//!
//! The library does all the work; the `bedrock-batch` binary only turns flags into a
//! configuration, draws progress and picks an exit code. Library code never prints or exits.
