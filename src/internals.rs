//! Not API (cargo feature `internals`, off by default; no stability promise): the pieces
//! that benches, fuzz targets and a few integration tests drive directly, below the
//! commands: the one-pass line scanner and its pointer walk, the stream chunker, the body
//! tape, the engine's per-job run, input collection and the shard planner.
//!
//! Why a feature: these are the hot path's moving parts, which the layout keeps free to
//! change; exercising them directly (throughput of the scanner alone, chunking fuzzed at
//! every boundary, the planner's refusals property-tested) needs names for them, but no
//! user of the library should build on them. The package's own tests and benches get the
//! feature through its dev-dependency on itself (Cargo.toml), `fuzz/Cargo.toml` enables it.

pub use crate::input::collect;
pub use crate::json::{decode_string_contents, locate_pointers, Member, Scanned, Scanner};
pub use crate::scan::StreamChunker;
#[cfg(feature = "simd-dom")]
pub use crate::schema_simd::{BodyParser, SimdJson};
pub use crate::schema_tape::{BodyTape, TapeJson};
pub use crate::shard::plan::plan;
pub use crate::validate::{JobRun, JobSetup};
