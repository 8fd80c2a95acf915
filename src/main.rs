//! The `bedrock-batch` binary: flags → config → library → exit code.
fn main() {}
