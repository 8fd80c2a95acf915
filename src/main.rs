//! The `bedrock-batch` binary: flags → config → library → exit code.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
