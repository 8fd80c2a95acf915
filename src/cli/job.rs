//! `bedrock-batch job create|get|skeleton`: the AWS CLI's `create-model-invocation-job` and
//! `get-model-invocation-job`, answered offline.
//!
//! Exit codes: 0 the job is `Scheduled` (or `get` found it); 1 the request would be refused,
//! the job is `Failed`, or `--local-input` has findings at or above `--fail-on` (records that
//! would fail at inference keep the job `Scheduled` but exit 1, as `validate` does); 2 the tool could not work (a bad flag value, an unreadable file, an
//! unusable state folder).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use serde_json::{Map, Value};

use bedrock_batch::commands::job::request::{self, CliInputFormat, ParamFiles, CREATE_FLAGS};
use bedrock_batch::commands::job::response::{
    render, render_json, JobStatus, ModelInvocationJob, OutputFormat,
};
use bedrock_batch::commands::job::skeleton::{self, SkeletonKind};
use bedrock_batch::commands::job::{
    self as lib, CreateOptions, CreateOutcome, GetOutcome, JobError, Rejection, StateStore,
    CREATE_REQUEST, DEFAULT_REGION, GET_REQUEST, GET_RESPONSE,
};

use super::output::with_stdout;
use super::tool_error;
use super::validate::{FailOn, QuotaArgs};

/// `bedrock-batch job ...`.
#[derive(Subcommand, Debug)]
pub enum JobCommand {
    /// Check a create-model-invocation-job request and its data; print the job as
    /// get-model-invocation-job would.
    Create(Box<CreateArgs>),
    /// Print a job created before, as get-model-invocation-job does.
    Get(GetArgs),
    /// Print the create-model-invocation-job skeleton (as --generate-cli-skeleton does).
    Skeleton(SkeletonArgs),
}

/// `--output`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum OutputArg {
    /// Pretty JSON (the AWS CLI's default).
    #[default]
    Json,
    /// YAML.
    Yaml,
    /// Tab-separated text, as the AWS CLI's text output.
    Text,
}

impl From<OutputArg> for OutputFormat {
    fn from(o: OutputArg) -> Self {
        match o {
            OutputArg::Json => OutputFormat::Json,
            OutputArg::Yaml => OutputFormat::Yaml,
            OutputArg::Text => OutputFormat::Text,
        }
    }
}

/// `--generate-cli-skeleton` values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum SkeletonArg {
    /// JSON input for --cli-input-json.
    #[default]
    Input,
    /// YAML input for --cli-input-yaml.
    YamlInput,
    /// A sample response (after checking the request given with it).
    Output,
}

impl From<SkeletonArg> for SkeletonKind {
    fn from(s: SkeletonArg) -> Self {
        match s {
            SkeletonArg::Input => SkeletonKind::Input,
            SkeletonArg::YamlInput => SkeletonKind::YamlInput,
            SkeletonArg::Output => SkeletonKind::Output,
        }
    }
}

/// Options `create` and `get` share.
#[derive(Args, Debug)]
pub struct CommonArgs {
    /// Where created jobs are kept [default: the platform's state directory, e.g.
    /// ~/.local/state/bedrock-batch].
    #[arg(long, value_name = "DIR", env = "BEDROCK_BATCH_STATE_DIR")]
    pub state_dir: Option<PathBuf>,

    /// How to print the job.
    #[arg(long, value_enum, default_value_t = OutputArg::Json)]
    pub output: OutputArg,

    /// Print a skeleton instead: input (default), yaml-input, or output.
    #[arg(long, value_enum, value_name = "VALUE", num_args = 0..=1, default_missing_value = "input")]
    pub generate_cli_skeleton: Option<SkeletonArg>,
}

impl CommonArgs {
    fn state(&self) -> Result<StateStore, JobError> {
        match &self.state_dir {
            Some(dir) => Ok(StateStore::new(dir)),
            None => StateStore::default_root()
                .map(StateStore::new)
                .ok_or(JobError::NoStateDir),
        }
    }
}

/// Arguments of `job create`: the AWS CLI's, plus `--local-input` and `--state-dir`. A flag
/// given twice takes its last value, as with the AWS CLI.
#[derive(Args, Debug)]
#[command(args_override_self = true)]
pub struct CreateArgs {
    /// A name to give the batch inference job.
    #[arg(long, value_name = "VALUE", allow_hyphen_values = true)]
    pub job_name: Option<String>,

    /// The ARN of the service role.
    #[arg(long, value_name = "VALUE", allow_hyphen_values = true)]
    pub role_arn: Option<String>,

    /// A unique, case-sensitive token: a repeated request with it returns the first job.
    #[arg(long, value_name = "VALUE", allow_hyphen_values = true)]
    pub client_request_token: Option<String>,

    /// The model id, inference-profile id or ARN.
    #[arg(long, value_name = "VALUE", allow_hyphen_values = true)]
    pub model_id: Option<String>,

    /// s3InputDataConfig={s3Uri=string,s3InputFormat=JSONL,s3BucketOwner=string}, or JSON.
    #[arg(long, value_name = "VALUE", allow_hyphen_values = true)]
    pub input_data_config: Option<String>,

    /// s3OutputDataConfig={s3Uri=string,s3EncryptionKeyId=string,s3BucketOwner=string}, or JSON.
    #[arg(long, value_name = "VALUE", allow_hyphen_values = true)]
    pub output_data_config: Option<String>,

    /// subnetIds=string,string,securityGroupIds=string,string, or JSON.
    #[arg(long, value_name = "VALUE", allow_hyphen_values = true)]
    pub vpc_config: Option<String>,

    /// Hours after which the job times out (24 to 168).
    #[arg(long, value_name = "VALUE", allow_hyphen_values = true)]
    pub timeout_duration_in_hours: Option<String>,

    /// key=string,value=string ... (one value per tag), or a JSON list.
    #[arg(long, value_name = "VALUE", num_args = 1..)]
    pub tags: Option<Vec<String>>,

    /// InvokeModel (default) or Converse.
    #[arg(long, value_name = "VALUE", allow_hyphen_values = true)]
    pub model_invocation_type: Option<String>,

    /// The whole request as JSON (inline or file://path); flags given beside it win.
    #[arg(long, value_name = "VALUE", conflicts_with = "cli_input_yaml")]
    pub cli_input_json: Option<String>,

    /// The whole request as YAML (inline or file://path); flags given beside it win.
    #[arg(long, value_name = "VALUE")]
    pub cli_input_yaml: Option<String>,

    /// The local copy of what sits at the input s3Uri (a .jsonl file or a folder; or an
    /// s3:// object or prefix): the data checks of the Validating phase run on it. Without it
    /// (or --check-s3-input) they are skipped.
    #[arg(long, value_name = "PATH")]
    pub local_input: Option<PathBuf>,

    /// Run the data checks on the input the job will read: the request's
    /// inputDataConfig.s3InputDataConfig.s3Uri, read from S3 (a prefix or one object),
    /// instead of a --local-input copy. Credentials as the AWS CLI (see docs/s3.md).
    #[arg(long, conflicts_with = "local_input")]
    pub check_s3_input: bool,

    /// Never draw progress while an s3:// input is listed and read (drawn only when stderr
    /// is a terminal and CI is unset).
    #[arg(long)]
    pub no_progress: bool,

    /// The region in the job ARN [default: AWS_REGION, AWS_DEFAULT_REGION, us-east-1].
    #[arg(long, value_name = "VALUE")]
    pub region: Option<String>,

    /// The submit time (RFC 3339), for reproducible output.
    #[arg(long, value_name = "TIME", hide = true)]
    pub now: Option<String>,

    /// With --local-input: exit 1 when the data has findings at or above this severity, as
    /// `validate` does (records that would fail at inference are errors), even though the
    /// job's status stays what the service would answer.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,

    #[command(flatten)]
    pub common: CommonArgs,

    #[command(flatten)]
    pub quotas: QuotaArgs,

    #[command(flatten)]
    pub config: super::args::ConfigArgs,
}

impl super::args::ReadsConfig for CreateArgs {
    fn config_file(&self) -> Option<&std::path::Path> {
        self.config.config.as_deref()
    }
    fn no_config(&self) -> bool {
        self.config.no_config
    }
}

/// Arguments of `job get`.
#[derive(Args, Debug)]
#[command(args_override_self = true)]
pub struct GetArgs {
    /// The job ARN, or its 12-character id.
    #[arg(long, value_name = "VALUE")]
    pub job_identifier: Option<String>,

    /// The request as JSON ({"jobIdentifier": ...}), inline or file://path.
    #[arg(long, value_name = "VALUE", conflicts_with = "cli_input_yaml")]
    pub cli_input_json: Option<String>,

    /// The request as YAML, inline or file://path.
    #[arg(long, value_name = "VALUE")]
    pub cli_input_yaml: Option<String>,

    #[command(flatten)]
    pub common: CommonArgs,
}

/// Arguments of `job skeleton`.
#[derive(Args, Debug)]
pub struct SkeletonArgs {
    /// input (JSON for --cli-input-json), yaml-input, or output (the response).
    #[arg(value_enum, default_value_t = SkeletonArg::Input)]
    pub kind: SkeletonArg,
}

/// Runs a `job` subcommand.
pub fn run(cmd: JobCommand, matches: &clap::ArgMatches) -> ExitCode {
    let result = match cmd {
        JobCommand::Create(args) => {
            let own = matches
                .subcommand_matches("create")
                .cloned()
                .unwrap_or_default();
            match super::config::apply(*args, &["job", "create"], &own) {
                Ok(args) => run_create(&args),
                Err(e) => return tool_error(e.trim_end().trim_start_matches("error: ")),
            }
        }
        JobCommand::Get(args) => run_get(&args),
        JobCommand::Skeleton(args) => print(&create_skeleton(args.kind.into())).map(|()| 0),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => tool_error(e),
    }
}

/// Writes `text` to stdout; a closed pipe is not an error.
fn print(text: &str) -> Result<(), JobError> {
    with_stdout(|out| out.write_all(text.as_bytes()))
        .map(|_| ())
        .map_err(|e| JobError::Internal(format!("cannot write to stdout: {e}")))
}

fn reject(rejection: &Rejection) -> u8 {
    eprintln!("{rejection}");
    for hint in rejection.hints() {
        eprintln!("bedrock-batch: hint: {hint}");
    }
    1
}

fn create_skeleton(kind: SkeletonKind) -> String {
    match kind {
        SkeletonKind::Input => render_json(&skeleton::generate(&CREATE_REQUEST, false)),
        SkeletonKind::YamlInput => skeleton::yaml_input(&CREATE_REQUEST),
        // `job create` answers with the GetModelInvocationJob shape, so that is its output.
        SkeletonKind::Output => render_json(&skeleton::generate(&GET_RESPONSE, true)),
    }
}

fn cli_input(
    json: Option<&String>,
    yaml: Option<&String>,
    files: &ParamFiles,
) -> Result<Map<String, Value>, JobError> {
    match (json, yaml) {
        (Some(text), _) => request::parse_cli_input(CliInputFormat::Json, text, files),
        (None, Some(text)) => request::parse_cli_input(CliInputFormat::Yaml, text, files),
        (None, None) => Ok(Map::new()),
    }
}

impl CreateArgs {
    /// The request the AWS CLI would send for these flags.
    fn request(&self) -> Result<Value, JobError> {
        let files = ParamFiles::default();
        let base = cli_input(
            self.cli_input_json.as_ref(),
            self.cli_input_yaml.as_ref(),
            &files,
        )?;
        let mut flags = Vec::new();
        for &(flag, member, kind) in CREATE_FLAGS {
            let values: Option<Vec<String>> = match member {
                "jobName" => self.job_name.clone().map(|v| vec![v]),
                "roleArn" => self.role_arn.clone().map(|v| vec![v]),
                "clientRequestToken" => self.client_request_token.clone().map(|v| vec![v]),
                "modelId" => self.model_id.clone().map(|v| vec![v]),
                "inputDataConfig" => self.input_data_config.clone().map(|v| vec![v]),
                "outputDataConfig" => self.output_data_config.clone().map(|v| vec![v]),
                "vpcConfig" => self.vpc_config.clone().map(|v| vec![v]),
                "timeoutDurationInHours" => self.timeout_duration_in_hours.clone().map(|v| vec![v]),
                "tags" => self.tags.clone(),
                "modelInvocationType" => self.model_invocation_type.clone().map(|v| vec![v]),
                other => return Err(JobError::Internal(format!("no flag for member {other}"))),
            };
            if let Some(values) = values {
                flags.push((
                    member,
                    request::decode_flag(flag, kind, member, &values, &files)?,
                ));
            }
        }
        Ok(request::merge(base, flags))
    }

    fn region(&self) -> String {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        self.region
            .clone()
            .or_else(|| env("AWS_REGION"))
            .or_else(|| env("AWS_DEFAULT_REGION"))
            .unwrap_or_else(|| DEFAULT_REGION.to_owned())
    }

    fn now(&self) -> Result<jiff::Timestamp, JobError> {
        match &self.now {
            Some(text) => text.parse().map_err(|_| JobError::Now(text.clone())),
            None => Ok(jiff::Timestamp::now()),
        }
    }
}

fn job_exit_code(job: &ModelInvocationJob) -> u8 {
    u8::from(job.status == JobStatus::Failed)
}

fn run_create(args: &CreateArgs) -> Result<u8, JobError> {
    let skeleton = args.common.generate_cli_skeleton.map(SkeletonKind::from);
    if let Some(kind @ (SkeletonKind::Input | SkeletonKind::YamlInput)) = skeleton {
        print(&create_skeleton(kind))?;
        return Ok(0);
    }
    let request = args.request()?;
    if skeleton == Some(SkeletonKind::Output) {
        // As the AWS CLI: check the request, then print a sample response instead of calling.
        return match lib::check_request_in(&request, &args.region()) {
            Ok(_) => print(&create_skeleton(SkeletonKind::Output)).map(|()| 0),
            Err(rejection) => Ok(reject(&rejection)),
        };
    }
    let opts = CreateOptions {
        region: args.region(),
        now: args.now()?,
        local_input: if args.check_s3_input {
            // An invalid request is refused by `create` before any data is read.
            request
                .pointer("/inputDataConfig/s3InputDataConfig/s3Uri")
                .and_then(|v| v.as_str())
                .map(PathBuf::from)
        } else {
            args.local_input.clone()
        },
        state: args.common.state()?,
        quota_overrides: args.quotas.overrides(),
    };
    let format = OutputFormat::from(args.common.output);
    // The data check reads an s3:// input with no checking bar of its own.
    super::progress::install_remote(!args.no_progress, super::progress::Reads::Shown);
    let outcome = lib::create(&request, &opts);
    // Stray objects are listed but never read: the reading bar may stop short of its end.
    super::progress::clear_remote();
    match outcome? {
        CreateOutcome::Rejected(rejection) => Ok(reject(&rejection)),
        CreateOutcome::Created(job, data) => {
            match &data {
                None => eprintln!(
                    "bedrock-batch: note: no --local-input given (nor --check-s3-input): the \
                     data checks of the Validating phase were skipped"
                ),
                // The response's totalRecordCount stays 0, as the service's does until
                // processing starts; the pre-flight count goes to stderr instead.
                Some(d) => eprintln!(
                    "bedrock-batch: pre-flight: {} record{} in {} (the job's \
                     totalRecordCount reads 0 until the service starts processing)",
                    bedrock_batch::fmt::group_digits(d.records),
                    if d.records == 1 { "" } else { "s" },
                    checked_input_name(args, opts.local_input.as_deref())
                ),
            }
            for d in model_notes(&job, &opts.region) {
                eprintln!("bedrock-batch: warning: {}", d.headline());
            }
            if let Some((n, first)) = data.as_ref().and_then(|d| d.media_outside.as_ref()) {
                eprintln!(
                    "bedrock-batch: warning: M013: {} media reference{} outside the job's input \
                     folder; the job passes Validating but those records fail at inference. \
                     First: {first}",
                    bedrock_batch::fmt::group_digits(*n),
                    if *n == 1 { "" } else { "s" }
                );
            }
            print(&render(&job.to_value(), format))?;
            let data_fails = data.as_ref().is_some_and(|d| {
                let level = args.fail_on.severity();
                // `findings` is by rank (errors first): those at or above `level`.
                let at_or_above = d.findings[..=level.rank()].iter().sum::<u64>();
                if job.status == JobStatus::Scheduled && at_or_above > 0 {
                    eprintln!("{}", preflight_findings(args, &job, d));
                }
                at_or_above > 0
            });
            Ok(job_exit_code(&job).max(u8::from(data_fails)))
        }
        CreateOutcome::Replayed(job) => {
            print(&render(&job.to_value(), format))?;
            Ok(job_exit_code(&job))
        }
    }
}

/// How the pre-flight line names the data it checked: `--local-input`, or with
/// `--check-s3-input` the request's own input URI, which is what was read.
fn checked_input_name(args: &CreateArgs, checked: Option<&std::path::Path>) -> String {
    match checked {
        Some(uri) if args.check_s3_input => {
            format!("{} (the request's input s3Uri)", uri.to_string_lossy())
        }
        _ => "--local-input".to_string(),
    }
}

/// The findings about the job's model id (unknown, M009; bodies not checked, M012): the
/// service refuses no such id, so they are warnings beside the response.
fn model_notes(job: &ModelInvocationJob, region: &str) -> Vec<bedrock_batch::Diagnostic> {
    let converse = job.model_invocation_type == request::ModelInvocationType::Converse;
    let resolution = bedrock_batch::commands::models::Catalog::embedded().resolve(&job.model_id);
    bedrock_batch::commands::models::model_findings(&resolution, converse, false, Some(region))
}

/// What stderr says when the data has findings at or above `--fail-on` but the service
/// would still schedule the job: how many records would fail, and the `validate` command
/// that lists them.
fn preflight_findings(args: &CreateArgs, job: &ModelInvocationJob, d: &lib::DataCheck) -> String {
    use bedrock_batch::fmt::counted;
    let [errors, warnings, infos] = d.findings;
    let what = if d.failing_records > 0 {
        format!(
            "{} of {} would fail at inference ({}); the job stays Scheduled, as the service would answer, but exits 1",
            counted(d.failing_records, "record", "records"),
            bedrock_batch::fmt::group_digits(d.records),
            counted(errors, "error", "errors"),
        )
    } else {
        format!(
            "the data has {}, {}, {} (--fail-on {}); the job stays Scheduled, but exits 1",
            counted(errors, "error", "errors"),
            counted(warnings, "warning", "warnings"),
            counted(infos, "info", "infos"),
            args.fail_on.severity()
        )
    };
    format!(
        "bedrock-batch: pre-flight: {what}. See them with: {}",
        validate_command(args, job)
    )
}

/// The `validate` command that checks `--local-input` as `job create` did.
fn validate_command(args: &CreateArgs, job: &ModelInvocationJob) -> String {
    let mut words: Vec<String> = vec![
        "bedrock-batch".into(),
        "validate".into(),
        "--model-id".into(),
        job.model_id.clone(),
    ];
    if job.model_invocation_type == request::ModelInvocationType::Converse {
        words.extend(["--invocation-type".into(), "Converse".into()]);
    }
    words.extend([
        "--input-s3-uri".into(),
        job.input_data_config.s3_input_data_config.s3_uri.clone(),
    ]);
    let q = &args.quotas;
    let quotas = [
        ("--min-records-per-job", q.min_records_per_job),
        ("--max-records-per-file", q.max_records_per_file),
        ("--max-records-per-job", q.max_records_per_job),
        ("--max-file-bytes", q.max_file_bytes),
        ("--max-job-bytes", q.max_job_bytes),
    ];
    for (flag, value) in quotas {
        if let Some(v) = value {
            words.extend([flag.into(), v.to_string()]);
        }
    }
    // What was checked: the --local-input copy, or with --check-s3-input the job's own s3Uri.
    if let Some(path) = &args.local_input {
        words.push(path.to_string_lossy().into_owned());
    } else if args.check_s3_input {
        words.push(job.input_data_config.s3_input_data_config.s3_uri.clone());
    }
    words
        .iter()
        .map(|w| shell_word(w))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `w` as one shell word: as it is when it holds only safe characters, else single-quoted.
fn shell_word(w: &str) -> String {
    let safe = !w.is_empty()
        && w.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@,+%".contains(c));
    if safe {
        w.to_string()
    } else {
        format!("'{}'", w.replace('\'', "'\\''"))
    }
}

fn run_get(args: &GetArgs) -> Result<u8, JobError> {
    match args.common.generate_cli_skeleton.map(SkeletonKind::from) {
        Some(SkeletonKind::Input) => {
            print(&render_json(&skeleton::generate(&GET_REQUEST, false)))?;
            return Ok(0);
        }
        Some(SkeletonKind::YamlInput) => {
            print(&skeleton::yaml_input(&GET_REQUEST))?;
            return Ok(0);
        }
        _ => {}
    }
    let files = ParamFiles::default();
    let mut request = cli_input(
        args.cli_input_json.as_ref(),
        args.cli_input_yaml.as_ref(),
        &files,
    )?;
    if let Some(id) = &args.job_identifier {
        let id = files.resolve("--job-identifier", id)?;
        request.insert("jobIdentifier".to_owned(), Value::String(id));
    }
    let request = Value::Object(request);
    if args.common.generate_cli_skeleton == Some(SkeletonArg::Output) {
        print(&render_json(&skeleton::generate(&GET_RESPONSE, true)))?;
        return Ok(0);
    }
    match lib::get(&request, &args.common.state()?)? {
        GetOutcome::Rejected(rejection) => Ok(reject(&rejection)),
        // Like `aws bedrock get-model-invocation-job`: finding the job is success, whatever
        // its status.
        GetOutcome::Found(job) => {
            print(&render(&job.to_value(), args.common.output.into()))?;
            Ok(0)
        }
    }
}
