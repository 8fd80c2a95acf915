//! `bedrock-batch fix [PATH]... --out FILE | --in-place`: write a corrected copy.
//!
//! Exit codes: 0 the output was written (or, with `--dry-run`, would be) with every line
//! kept and no error-severity problem left; 1 lines were rejected (they are in
//! `<out>.rejected.jsonl`) or errors `fix` was not asked to repair remain; 2 the tool could
//! not do its work (nothing was written).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{ArgGroup, Args, ValueEnum};

use bedrock_batch::commands::fix::{self, FixOptions, IdFormat, Target};
use bedrock_batch::{parse_size, DEFAULT_CHUNK_SIZE};

use super::output::with_stdout;
use super::progress::Bar;
use super::tool_error;

/// Summary formats.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum FixFormat {
    /// Changes by kind, rejected lines, what is left, files written.
    #[default]
    Text,
    /// One JSON document (docs/fix.md describes it).
    Json,
}

/// `--record-id-format`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum IdFormatArg {
    /// 11 ASCII letters and digits.
    #[default]
    Alnum,
    /// A UUID (version 8, derived from the record: the same input gives the same ids).
    Uuid,
    /// REC00000001, REC00000002, … skipping ids already used.
    Seq,
    /// 11 base62 characters of the SHA-256 of the modelInput bytes.
    Hash,
}

/// Arguments of `fix`.
#[derive(Args, Debug)]
#[command(group(ArgGroup::new("target").required(true).args(["out", "in_place"])))]
pub struct FixArgs {
    /// Files, folders (every *.jsonl below them) or - for stdin. With --out all of them go,
    /// in path order, into the one output. Without PATH, stdin is read when it is piped.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Write the corrected records here (rejected lines go to FILE.rejected.jsonl, id
    /// changes to FILE.id-map.jsonl, beside it; `.jsonl` in FILE is not repeated).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Replace each input file by its corrected copy (written beside it, re-checked, then
    /// renamed over it).
    #[arg(long)]
    pub in_place: bool,

    /// Give records without a recordId (or with one that is not a non-empty string) a new,
    /// unique one.
    #[arg(long)]
    pub add_record_ids: bool,

    /// Give every later use of a repeated recordId a new one (the first keeps it).
    #[arg(long)]
    pub dedupe_record_ids: bool,

    /// Drop top-level keys other than recordId and modelInput.
    #[arg(long)]
    pub drop_unknown_keys: bool,

    /// How new record ids look.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = IdFormatArg::Alnum)]
    pub record_id_format: IdFormatArg,

    /// Write the rejected-lines and id-map files into DIR instead of beside each output
    /// (keeps them out of a job folder, which the service reads in full).
    #[arg(long, value_name = "DIR")]
    pub side_dir: Option<PathBuf>,

    /// Show what would change; write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Summary format.
    #[arg(long, value_enum, default_value_t = FixFormat::Text)]
    pub format: FixFormat,

    /// Print nothing (the exit code still tells).
    #[arg(long, short)]
    pub quiet: bool,

    /// Never draw a progress bar.
    #[arg(long)]
    pub no_progress: bool,

    /// Worker threads of the checking passes (default: one per core).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub threads: usize,

    /// Read files instead of memory-mapping them (safe for files that change while read).
    #[arg(long)]
    pub no_mmap: bool,

    /// The name standard input gets in the summary and the id map.
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,

    /// Target chunk size for the checking passes (results never depend on it).
    #[arg(long, value_name = "SIZE", value_parser = parse_size, hide = true)]
    pub chunk_size: Option<u64>,

    #[command(flatten)]
    pub config: super::args::ConfigArgs,
}

impl super::args::ReadsConfig for FixArgs {
    fn config_file(&self) -> Option<&std::path::Path> {
        self.config.config.as_deref()
    }
    fn no_config(&self) -> bool {
        self.config.no_config
    }
}

impl FixArgs {
    /// The library options these flags ask for.
    pub fn options(&self) -> FixOptions {
        let target = match &self.out {
            Some(out) => Target::Out(out.clone()),
            None => Target::InPlace,
        };
        FixOptions {
            add_record_ids: self.add_record_ids,
            dedupe_record_ids: self.dedupe_record_ids,
            drop_unknown_keys: self.drop_unknown_keys,
            id_format: match self.record_id_format {
                IdFormatArg::Alnum => IdFormat::Alnum,
                IdFormatArg::Uuid => IdFormat::Uuid,
                IdFormatArg::Seq => IdFormat::Seq,
                IdFormatArg::Hash => IdFormat::Hash,
            },
            dry_run: self.dry_run,
            side_dir: self.side_dir.clone(),
            mmap: !self.no_mmap,
            stdin_name: self.stdin_filename.clone(),
            threads: self.threads,
            chunk_size: self.chunk_size.map_or(DEFAULT_CHUNK_SIZE, |s| {
                s.clamp(1, usize::MAX as u64) as usize
            }),
            ..FixOptions::new(target)
        }
    }

    fn input_paths(&self) -> Result<Vec<PathBuf>, String> {
        if !self.paths.is_empty() {
            return Ok(self.paths.clone());
        }
        if self.in_place {
            return Err("--in-place needs the files to rewrite".to_string());
        }
        if std::io::stdin().is_terminal() {
            return Err("no input: give files, folders, or - to read standard input".to_string());
        }
        Ok(vec![PathBuf::from("-")])
    }
}

/// Runs `fix`.
pub fn run(args: FixArgs) -> ExitCode {
    let paths = match args.input_paths() {
        Ok(p) => p,
        Err(e) => return tool_error(e),
    };
    if let Some(path) = &args.out {
        if let Err(e) = super::output::local_or_s3_output("--out", path) {
            return tool_error(e);
        }
    }
    if let Some(path) = &args.side_dir {
        if let Err(e) = super::output::local_output("--side-dir", path) {
            return tool_error(e);
        }
    }
    let opts = args.options();
    let show = !args.quiet && !args.no_progress && args.format == FixFormat::Text;
    super::progress::install_remote(show, super::progress::Reads::Counted);
    let bar = Bar::new(show);
    let report = match fix::fix(&paths, &opts, &bar) {
        Ok(r) => r,
        Err(e) => return tool_error(e),
    };
    if !args.quiet {
        let written = with_stdout(|out| match args.format {
            FixFormat::Text => fix::text::write(&report, out),
            FixFormat::Json => {
                serde_json::to_writer_pretty(&mut *out, &report)?;
                writeln!(out)
            }
        });
        if let Err(e) = written {
            return tool_error(format!("cannot write the summary: {e}"));
        }
    }
    ExitCode::from(u8::from(!report.is_clean()))
}
