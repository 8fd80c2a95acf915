//! One module per subcommand that has a library side of its own (layout.md §5): the
//! orchestration of a command, built on the engine, the checks and the report model.
//!
//! Each module here is the command's public API: its entry point, options and result types.
//! `results` holds its code; the others re-export from the crate's private modules (the
//! code moves here as the layout of layout.md §5 is reached), so that what is public is
//! decided here and nowhere else.

pub mod results;

pub mod validate {
    //! `validate`: would a job built from these files pass the service's Validating phase,
    //! and what else is wrong with them? The result is a [`crate::Report`]; the renderers are
    //! in [`crate::report`].

    pub use crate::media::InputLocation;
    pub use crate::validate::{
        validate, validate_jobs, validate_with_progress, RunSink, ValidateOptions,
    };
}

pub mod shard {
    //! `shard`: split a job into jobs and files within the model's quotas, as a folder ready
    //! to upload, with a manifest (and, if asked, one `create-model-invocation-job` request
    //! per job).

    pub use crate::remote::Uploaded;
    pub use crate::shard::{
        shard, InputTotals, LeftOut, Manifest, ManifestFile, ManifestJob, OnInvalid, OutputTotals,
        Quota, Refusal, RejectedFile, RequestSettings, ShardError, ShardOptions, ShardOutcome,
        ShardProgress, ShardSummary, FIXED_BY_SHARDING,
    };
}

pub mod fix {
    //! `fix`: repair what can be repaired safely (BOM, CRLF, blank lines, missing or repeated
    //! `recordId`s, unknown keys), into a new file or in place, atomically; [`text`] renders
    //! the summary.

    pub use crate::fix::text;
    pub use crate::fix::{
        fix, FixOptions, FixReport, FixSummary, IdFormat, InputSummary, Location, OutputSummary,
        RejectedLine, Tally, Target,
    };
}

pub mod job {
    //! `job create`, `job get` and `job skeleton`: the AWS CLI's
    //! `create-model-invocation-job` and `get-model-invocation-job`, answered offline, with
    //! jobs kept in a local [`StateStore`].

    pub use crate::job::constraints::{
        IntegerShape, ListShape, Member, ParamProblem, Shape, StringShape, StructureShape,
        Violation, CREATE_REQUEST, CREATE_RESPONSE, GET_REQUEST, GET_RESPONSE,
    };
    pub use crate::job::state::{StateStore, StoredJob};
    pub use crate::job::{
        check_request, check_request_in, create, get, CreateOptions, CreateOutcome, DataCheck,
        GetOutcome, JobError, Rejection, DEFAULT_REGION,
    };

    pub mod request {
        //! The request: parsed from `--cli-input-json`/`--cli-input-yaml` and the flags, as
        //! the AWS CLI builds it.

        pub use crate::job::request::{
            decode_flag, merge, parse_cli_input, CliInputFormat, CreateModelInvocationJobRequest,
            FlagKind, InputDataConfig, ModelInvocationType, OutputDataConfig, ParamFiles,
            S3InputDataConfig, S3OutputDataConfig, Tag, VpcConfig, CREATE_FLAGS,
        };
    }

    pub mod response {
        //! The job as `get-model-invocation-job` prints it, in the AWS CLI's output formats.

        pub use crate::job::response::{
            render, render_json, render_text, JobStatus, ModelInvocationJob, OutputFormat,
        };
    }

    pub mod skeleton {
        //! `--generate-cli-skeleton`: sample inputs and outputs from the service model.

        pub use crate::job::skeleton::{generate, yaml_input, SkeletonKind};
    }
}

pub mod models {
    //! `models`: the embedded model catalog, how a model id resolves (quotas, body schema
    //! family, batch support), and what is wrong with an id.

    pub use crate::models::{
        BatchVia, Catalog, FormProblem, IdForm, ModelEntry, Resolution, Source,
    };
    pub use crate::schema::model_findings;
}

pub mod rules {
    //! `rules`: the rule table (stable codes, names, severities, rationale) and the fixture
    //! that shows each rule.

    pub use crate::rules::{example, FixtureFiles, Phase, RuleExample, RuleInfo, RULES};
}

pub mod schema {
    //! `schema`: the embedded body schema families and their JSON Schema text.

    pub use crate::schema::{families, schema_text};
}
