//! Flag groups shared by several commands, declared once.

use std::path::{Path, PathBuf};

use clap::Args;

/// `--config FILE` / `--no-config`: which `bedrock-batch.toml` supplies defaults. Every
/// command that reads the file (`validate`, `shard`, `fix`, `job create`) takes these.
#[derive(Args, Debug, Default)]
pub struct ConfigArgs {
    /// Read defaults from this config file instead of the bedrock-batch.toml found from the
    /// current folder upward.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,

    /// Read no config file.
    #[arg(long)]
    pub no_config: bool,
}

/// A command's arguments that name their config file choice (see [`super::config::apply`]).
pub trait ReadsConfig {
    /// `--config FILE`, if given.
    fn config_file(&self) -> Option<&Path>;
    /// `--no-config`.
    fn no_config(&self) -> bool;
}

impl ReadsConfig for ConfigArgs {
    fn config_file(&self) -> Option<&Path> {
        self.config.as_deref()
    }
    fn no_config(&self) -> bool {
        self.no_config
    }
}
