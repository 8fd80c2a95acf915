//! The integration tests, as one test binary: each module below was a binary of its own, and
//! every binary linked the whole library and the AWS SDK, which dominated build time and the
//! size of `target/`. Run one module with `cargo test --test it MODULE::` (for example
//! `cargo test --test it shard::`).
//!
//! Two suites stay binaries of their own because they are opt-in and need something from
//! outside the repository: `tests/s3/` (a moto S3 server) and `tests/precommit.rs`
//! (pre-commit). They share the helpers in `tests/common/`.

#[path = "../common/mod.rs"]
mod common;

mod catalog;
mod commands;
mod config;
mod diagnosis;
mod docs;
mod families;
mod fix;
mod fixtures;
mod formats;
mod hostile;
mod inputs;
mod job;
mod layers;
mod properties;
mod results;
mod shard;
mod validate;
