//! `bedrock-batch schema FAMILY`: print the JSON Schema used for a body family.

use std::process::ExitCode;

use clap::Args;

use bedrock_batch::commands::schema::{families, schema_text};

use super::output::with_stdout;
use super::tool_error;

/// Arguments of `schema`.
#[derive(Args, Debug)]
pub struct SchemaArgs {
    /// The family (see `bedrock-batch models`); omit it to list the families.
    #[arg(value_name = "FAMILY")]
    pub family: Option<String>,
}

/// Runs `schema`.
pub fn run(args: SchemaArgs) -> ExitCode {
    let result = match &args.family {
        None => with_stdout(|out| {
            for f in families() {
                writeln!(out, "{f}")?;
            }
            Ok(())
        }),
        Some(family) => match schema_text(family) {
            Some(text) => with_stdout(|out| {
                out.write_all(text.as_bytes())?;
                if !text.ends_with('\n') {
                    writeln!(out)?;
                }
                Ok(())
            }),
            None => {
                let known: Vec<_> = families().collect();
                return tool_error(format!(
                    "unknown family `{family}`; the families are: {}",
                    known.join(", ")
                ));
            }
        },
    };
    match result {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => tool_error(format!("cannot write: {e}")),
    }
}
