//! One module per subcommand that has a library side of its own (layout.md §5): the
//! orchestration of a command, built on the engine, the checks and the report model.

pub mod results;
