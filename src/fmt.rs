//! Number and text formatting the reports use (`1,234,567`, `25 MB`, `3 records`), for
//! callers that render summaries of their own, as the binary does for `shard` and `job`.

pub use crate::text::{counted, group_digits, human_bytes, shorten};
