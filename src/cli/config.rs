//! `bedrock-batch.toml`: defaults for `validate`'s flags, kept with the data they apply to.
//!
//! The file is `--config FILE`, or else the first `bedrock-batch.toml` found in the current
//! folder or one of its parents (`--no-config` skips it). Its keys are the long flag names
//! and its values what the flags take:
//!
//! ```toml
//! model-id = "anthropic.claude-3-5-haiku-20241022-v1:0"
//! min-records-per-job = 1
//! ignore = ["R005"]
//! no-mmap = true
//! ```
//!
//! A flag given on the command line wins over the file's key for it (for list flags such as
//! `--ignore`, the command line's list replaces the file's). A key that is no flag of
//! `validate` is an error naming it, as is a value the flag would refuse. Relative paths
//! (`schema`) are taken from the file's folder, so the file works from any folder below it.
//!
//! The keys become flags and go through clap like the command line's own, so every flag is
//! a key, with the same checks and messages, and no list of keys can drift from the flags.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::parser::ValueSource;
use clap::{ArgAction, ArgMatches, Command};

/// The file searched for.
pub const FILE_NAME: &str = "bedrock-batch.toml";

/// Flags that make no sense in the file.
const NOT_KEYS: &[&str] = &["config", "no-config", "help", "version"];

/// Keys whose values are paths, taken relative to the file's folder.
const PATH_KEYS: &[&str] = &["schema"];

/// A loaded config file.
pub struct Config {
    path: PathBuf,
    table: toml::Table,
}

/// The config file in force: `explicit`, or the first [`FILE_NAME`] from `start` upward.
pub fn find(explicit: Option<&Path>, start: &Path) -> Result<Option<PathBuf>, String> {
    if let Some(path) = explicit {
        if !path.is_file() {
            return Err(format!("--config: `{}` is not a file", path.display()));
        }
        return Ok(Some(path.to_path_buf()));
    }
    Ok(start
        .ancestors()
        .map(|dir| dir.join(FILE_NAME))
        .find(|candidate| candidate.is_file()))
}

impl Config {
    /// Reads and parses `path`.
    pub fn load(path: &Path) -> Result<Config, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read config `{}`: {e}", path.display()))?;
        let table = text
            .parse::<toml::Table>()
            .map_err(|e| format!("config `{}`: {}", path.display(), e.to_string().trim_end()))?;
        Ok(Config {
            path: path.to_path_buf(),
            table,
        })
    }

    fn error(&self, key: &str, message: impl std::fmt::Display) -> String {
        format!("config `{}`: key `{key}`: {message}", self.path.display())
    }

    /// The flags the file adds to a run of `cmd` whose command line is `matches`: one
    /// `--key=value` per value, for every key whose flag the command line did not give.
    /// Each is checked by clap on its own, so an error names the key.
    pub fn flags(&self, cmd: &Command, matches: &ArgMatches) -> Result<Vec<OsString>, String> {
        let mut all = Vec::new();
        for (key, value) in &self.table {
            let arg = keys(cmd)
                .find(|a| a.get_long() == Some(key.as_str()))
                .ok_or_else(|| {
                    let mut known: Vec<&str> = keys(cmd).filter_map(|a| a.get_long()).collect();
                    known.sort_unstable();
                    self.error(
                        key,
                        format!(
                            "unknown key; keys are validate's long flag names: {}",
                            known.join(", ")
                        ),
                    )
                })?;
            if matches.value_source(arg.get_id().as_str()) == Some(ValueSource::CommandLine) {
                continue;
            }
            let takes_list = matches!(arg.get_action(), ArgAction::Append);
            let is_switch = matches!(arg.get_action(), ArgAction::SetTrue);
            let mut flags = Vec::new();
            match value {
                toml::Value::Boolean(on) if is_switch => {
                    if *on {
                        flags.push(format!("--{key}"));
                    }
                }
                _ if is_switch => return Err(self.error(key, "expects true or false")),
                toml::Value::Array(items) if takes_list => {
                    for item in items {
                        flags.push(format!("--{key}={}", self.scalar(key, item)?));
                    }
                }
                toml::Value::Array(_) => {
                    return Err(self.error(key, "takes one value, not a list"));
                }
                v => flags.push(format!("--{key}={}", self.scalar(key, v)?)),
            }
            // Checked alone, so that clap's complaint can be pinned on this key.
            let alone = std::iter::once("validate".to_string()).chain(flags.iter().cloned());
            cmd.clone()
                .try_get_matches_from(alone)
                .map_err(|e| self.error(key, clap_message(&e)))?;
            all.extend(flags.into_iter().map(OsString::from));
        }
        Ok(all)
    }

    /// A TOML scalar as the text a flag takes.
    fn scalar(&self, key: &str, v: &toml::Value) -> Result<String, String> {
        let text = match v {
            toml::Value::String(s) => s.clone(),
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Float(f) => f.to_string(),
            toml::Value::Boolean(_) => {
                return Err(self.error(key, "expects a value, not true or false"))
            }
            _ => return Err(self.error(key, "expects a string or a number")),
        };
        if PATH_KEYS.contains(&key) && Path::new(&text).is_relative() {
            let base = self.path.parent().unwrap_or(Path::new(""));
            return Ok(base.join(text).to_string_lossy().into_owned());
        }
        Ok(text)
    }
}

/// The flags that are keys: every long flag but hidden ones (internal knobs) and
/// [`NOT_KEYS`].
fn keys(cmd: &Command) -> impl Iterator<Item = &clap::Arg> {
    cmd.get_arguments()
        .filter(|a| !a.is_hide_set() && a.get_long().is_some_and(|l| !NOT_KEYS.contains(&l)))
}

/// The first line of a clap error, without its `error: ` prefix.
fn clap_message(e: &clap::Error) -> String {
    let text = e.to_string();
    let first = text.lines().next().unwrap_or_default();
    first.strip_prefix("error: ").unwrap_or(first).to_string()
}
