//! `bedrock-batch.toml`: defaults for the flags of `validate`, `shard`, `fix` and `job create`,
//! kept with the data they apply to, so that one folder gets one answer from every command.
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
//! Each command takes the keys that are flags of its own and passes over the others (a file
//! may set `ignore`, which only `validate` has); `format` is `validate`'s alone, since every
//! command has formats of its own. A flag given on the command line wins over the file's key
//! for it (for list flags such as `--ignore`, the command line's list replaces the file's). A
//! key that is a flag of none of these commands is an error naming it, as is a value the flag
//! would refuse. Relative paths
//! (`schema`) are taken from the file's folder, so the file works from any folder below it.
//!
//! The keys become flags and go through clap like the command line's own, so every flag is
//! a key, with the same checks and messages, and no list of keys can drift from the flags.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::error::ErrorKind;
use clap::parser::ValueSource;
use clap::{ArgAction, ArgMatches, Args, Command, FromArgMatches};

use super::args::ReadsConfig;

/// The file searched for.
pub const FILE_NAME: &str = "bedrock-batch.toml";

/// Flags that make no sense in the file.
const NOT_KEYS: &[&str] = &["config", "no-config", "help", "version"];

/// Keys whose values are paths, taken relative to the file's folder.
const PATH_KEYS: &[&str] = &["schema"];

/// Keys that only one command takes although others have a flag of the same name, because
/// the values differ per command (each command has its own formats).
const OWN_KEYS: &[(&str, &str)] = &[("format", "validate")];

/// The commands that read the file, as clap sees them, with the words that name them.
fn commands() -> Vec<(&'static [&'static str], Command)> {
    vec![
        (
            &["validate"],
            command::<super::validate::ValidateArgs>("validate"),
        ),
        (&["shard"], command::<super::shard::ShardArgs>("shard")),
        (&["fix"], command::<super::fix::FixArgs>("fix")),
        (
            &["job", "create"],
            command::<super::job::CreateArgs>("create"),
        ),
    ]
}

/// A command's own flags, as clap sees them.
fn command<A: Args>(name: &'static str) -> Command {
    A::augment_args(Command::new(name))
}

/// `args` with the config file's defaults filled in: the keys of the file that are flags of
/// the command named by `words` become flags placed before the command line's own, for every
/// flag the command line did not give. `matches` are the command line's own.
pub fn apply<A>(args: A, words: &[&'static str], matches: &ArgMatches) -> Result<A, String>
where
    A: ReadsConfig + Args + FromArgMatches,
{
    if args.no_config() {
        return Ok(args);
    }
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot find the current folder: {e}"))?;
    let Some(path) = find(args.config_file(), &cwd)? else {
        return Ok(args);
    };
    let name = words.last().copied().unwrap_or_default();
    // The root's global flags (`--profile`) may come after the command's name too.
    let globals = <super::Cli as clap::CommandFactory>::command();
    let cmd = globals
        .get_arguments()
        .filter(|a| a.is_global_set())
        .fold(A::augment_args(Command::new(name)), |cmd, a| {
            cmd.arg(a.clone())
        });
    let flags = Config::load(&path)?.flags(&cmd, &words.join(" "), matches)?;
    if flags.is_empty() {
        return Ok(args);
    }
    // The command line after the words naming the command (global flags may come before
    // them).
    let argv: Vec<OsString> = std::env::args_os().collect();
    let start = (1..argv.len())
        .find(|&i| {
            words
                .iter()
                .enumerate()
                .all(|(k, w)| argv.get(i + k).is_some_and(|a| a == w))
        })
        .map_or(argv.len(), |i| i + words.len());
    let own = &argv[start..];
    let all = std::iter::once(OsString::from(name))
        .chain(flags)
        .chain(own.iter().cloned());
    let merged = cmd.try_get_matches_from(all).map_err(|e| e.to_string())?;
    A::from_arg_matches(&merged).map_err(|e| e.to_string())
}

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

    /// The flags the file adds to a run of `cmd` (the command `name`) whose command line is
    /// `matches`: one `--key=value` per value, for every key that is a flag of the command
    /// and that the command line did not give. Each is checked by clap on its own, so an
    /// error names the key.
    pub fn flags(
        &self,
        cmd: &Command,
        name: &str,
        matches: &ArgMatches,
    ) -> Result<Vec<OsString>, String> {
        let mut all = Vec::new();
        let commands = commands();
        for (key, value) in &self.table {
            let known = |c: &Command| keys(c).any(|a| a.get_long() == Some(key.as_str()));
            if !commands.iter().any(|(_, c)| known(c)) {
                let mut names: Vec<&str> = commands
                    .iter()
                    .flat_map(|(_, c)| keys(c).filter_map(|a| a.get_long()))
                    .collect();
                names.sort_unstable();
                names.dedup();
                return Err(self.error(
                    key,
                    format!(
                        "unknown key; keys are the long flag names of validate, shard, fix and job create: {}",
                        names.join(", ")
                    ),
                ));
            }
            let own = OWN_KEYS.iter().all(|(k, owner)| k != key || *owner == name);
            let Some(arg) = keys(cmd).find(|a| a.get_long() == Some(key.as_str())) else {
                continue;
            };
            if !own {
                continue;
            }
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
            // Checked alone, so that clap's complaint can be pinned on this key (the
            // command's required flags are the command line's business).
            let alone = std::iter::once(name.to_string()).chain(flags.iter().cloned());
            if let Err(e) = cmd.clone().try_get_matches_from(alone) {
                if e.kind() != ErrorKind::MissingRequiredArgument {
                    return Err(self.error(key, clap_message(&e)));
                }
            }
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
