//! Every numeric limit the checks depend on, each with its reason, in one leaf module.
//!
//! The scanner, the body tape, the chunk checker and `fix` all read these; keeping them here
//! (and not in the module that happened to need them first) lets each layer import a limit
//! without importing the layer that defined it.

/// The largest `modelInput` InvokeModel accepts (bedrock-runtime `Body` max).
pub const MAX_MODEL_INPUT_BYTES: usize = 25_000_000;

/// Pointers of duplicate keys longer than this are left out of findings (the position still
/// places them): a pointer thousands of levels deep helps nobody, and a hostile line could
/// otherwise make every listed finding carry megabytes.
pub const MAX_POINTER_BYTES: usize = 4096;

/// The longest line a stream may hold: a line is buffered whole, so without a bound a
/// stream without line ends (a symlink to `/dev/zero`, a file with `\r`-only line ends) would
/// take all memory. No record comes near it (`modelInput` is limited to 25 MB); mapped files
/// need no such bound and report such a line as they find it.
pub const MAX_STREAM_LINE_BYTES: usize = 64 << 20;

/// Deepest nesting of arrays and objects the body tape takes; deeper bodies go to
/// `serde_json`, which stops at 128.
pub const MAX_TAPE_DEPTH: usize = 100;

/// Bodies with more values than this get only their first schema error reported (see
/// `SchemaCheck`'s `check`); real request bodies have far fewer.
pub const MAX_ENUMERATED_VALUES: usize = 100_000;

/// Default chunk size: large enough that per-chunk overhead vanishes, small enough that a
/// window of chunks per thread stays a few MiB.
pub const DEFAULT_CHUNK_SIZE: usize = 2 << 20;

/// Record ids longer than this many characters are not plain (R005): joins, logs and
/// spreadsheet cells mangle them. A UUID is 36, a SHA-256 in hex 64, composite keys such as
/// `tenant:doc-0012.pdf:page-3` well under 256.
pub const MAX_PLAIN_RECORD_ID_CHARS: usize = 256;
