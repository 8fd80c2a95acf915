//! The `CreateModelInvocationJob` and `GetModelInvocationJob` shapes of the Bedrock service
//! model, with every constraint the service enforces on a request.
//!
//! Everything here is copied from botocore 1.43.11, `bedrock/2023-04-20/service-2.json`: the
//! member names and their order, `required`, `min`/`max`, `enum` and `pattern`. Patterns are kept
//! verbatim (unanchored, as the model states them) so messages can quote them exactly as the
//! service does; they are matched anchored as `^(?:…)$`, which is how the API reference shows
//! them.
//!
//! Two kinds of problems are found here, in two passes, because that is how the real call fails:
//!
//! 1. [`param_problems`]: what botocore rejects on the client before anything is sent (a member
//!    the model does not have, a value of the wrong JSON type, a tagged union with other than one
//!    member set). Its wording is botocore's `Parameter validation failed` list.
//! 2. [`violations`]: what the service answers with a `ValidationException` (required members,
//!    lengths, patterns, enums, ranges, list sizes). Its wording is the service's
//!    `Value '…' at '…' failed to satisfy constraint: …`.

use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

use regex::bytes::{Regex, RegexBuilder};
use serde_json::Value;

/// A shape of the service model, reduced to what requests and responses of batch jobs use.
#[derive(Debug, Clone, Copy)]
pub enum Shape {
    /// A structure (or a tagged union, when `union` is set).
    Structure(&'static StructureShape),
    /// A list of one member shape.
    List(&'static ListShape),
    /// A string, possibly an enum.
    String(&'static StringShape),
    /// An integer or a long.
    Integer(&'static IntegerShape),
    /// A timestamp (only in responses).
    Timestamp,
}

/// A structure shape: named members in model order.
#[derive(Debug)]
pub struct StructureShape {
    /// The shape's name in the service model.
    pub name: &'static str,
    /// The members, in the order the service model lists them.
    pub members: &'static [Member],
    /// A tagged union: exactly one member must be set.
    pub union: bool,
}

/// One member of a structure.
#[derive(Debug)]
pub struct Member {
    /// The member name on the wire (camelCase).
    pub name: &'static str,
    /// The member's shape.
    pub shape: Shape,
    /// Listed in the structure's `required`.
    pub required: bool,
}

/// A list shape.
#[derive(Debug)]
pub struct ListShape {
    /// The shape's name in the service model.
    pub name: &'static str,
    /// The element shape.
    pub member: Shape,
    /// The name of the element shape (used by the output skeleton, as the AWS CLI does).
    pub member_name: &'static str,
    /// Fewest elements.
    pub min: Option<u64>,
    /// Most elements.
    pub max: Option<u64>,
}

/// A string shape.
#[derive(Debug)]
pub struct StringShape {
    /// The shape's name in the service model.
    pub name: &'static str,
    /// Shortest length, in characters.
    pub min: Option<u64>,
    /// Longest length, in characters.
    pub max: Option<u64>,
    /// The pattern exactly as the service model states it (unanchored).
    pub pattern: Option<&'static str>,
    /// The allowed values of an enum (empty: any string).
    pub enum_values: &'static [&'static str],
}

/// An integer shape.
#[derive(Debug)]
pub struct IntegerShape {
    /// The shape's name in the service model.
    pub name: &'static str,
    /// Smallest value.
    pub min: Option<i64>,
    /// Largest value.
    pub max: Option<i64>,
}

impl Shape {
    /// The structure behind this shape, if it is one.
    pub fn as_structure(&self) -> Option<&'static StructureShape> {
        match self {
            Shape::Structure(s) => Some(s),
            _ => None,
        }
    }
}

impl StructureShape {
    /// The member called `name`.
    pub fn member(&self, name: &str) -> Option<&'static Member> {
        let all: &'static [Member] = self.members;
        all.iter().find(|m| m.name == name)
    }
}

// ---------------------------------------------------------------------------------------------
// Patterns, verbatim from botocore 1.43.11 bedrock/2023-04-20/service-2.json.

/// `ModelInvocationJobName`.
pub const JOB_NAME_PATTERN: &str = r"[a-zA-Z0-9]{1,63}(-*[a-zA-Z0-9\+\-\.]){0,63}";
/// `RoleArn`.
pub const ROLE_ARN_PATTERN: &str = r"arn:aws(-[^:]+)?:iam::([0-9]{12})?:role/.+";
/// `ModelInvocationIdempotencyToken`.
pub const TOKEN_PATTERN: &str = r"[a-zA-Z0-9]{1,256}(-*[a-zA-Z0-9]){0,256}";
/// `ModelId`.
pub const MODEL_ID_PATTERN: &str = r"(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:(([0-9]{12}:custom-model/[a-z0-9-]{1,63}[.]{1}[a-z0-9-:]{1,63}/[a-z0-9]{12}$)|(:foundation-model/([a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}([.]?[a-z0-9-]{1,63})([:][a-z0-9-]{1,63}){0,2})|(([0-9a-zA-Z][_-]?)+)$)|([0-9]{12}:(inference-profile|application-inference-profile)/[a-zA-Z0-9-:.]+$)))|([a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}([.]?[a-z0-9-]{1,63})([:][a-z0-9-]{1,63}){0,2})|(([0-9a-zA-Z][_-]?)+)";
/// `S3Uri`.
pub const S3_URI_PATTERN: &str =
    r"s3://[a-z0-9][-.a-z0-9]{1,61}[a-z0-9](?:/[-!_*'().a-z0-9A-Z]+(?:/[-!_*'().a-z0-9A-Z]+)*)?/?";
/// `AccountId`.
pub const ACCOUNT_ID_PATTERN: &str = r"[0-9]{12}";
/// `KmsKeyId`.
pub const KMS_KEY_ID_PATTERN: &str = r"(arn:aws(-[^:]+)?:kms:[a-zA-Z0-9-]*:[0-9]{12}:((key/[a-zA-Z0-9-]{36})|(alias/[a-zA-Z0-9-_/]+)))|([a-zA-Z0-9-]{36})|(alias/[a-zA-Z0-9-_/]+)";
/// `SubnetId` and `SecurityGroupId`.
pub const VPC_ID_PATTERN: &str = r"[-0-9a-zA-Z]+";
/// `TagKey` and `TagValue`.
pub const TAG_PATTERN: &str = r"[a-zA-Z0-9\s._:/=+@-]*";
/// `ModelInvocationJobArn`.
pub const JOB_ARN_PATTERN: &str =
    r"(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:model-invocation-job/[a-z0-9]{12})";
/// `ModelInvocationJobIdentifier`.
pub const JOB_IDENTIFIER_PATTERN: &str =
    r"((arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:model-invocation-job/)?[a-z0-9]{12})";

const ALL_PATTERNS: &[&str] = &[
    JOB_NAME_PATTERN,
    ROLE_ARN_PATTERN,
    TOKEN_PATTERN,
    MODEL_ID_PATTERN,
    S3_URI_PATTERN,
    ACCOUNT_ID_PATTERN,
    KMS_KEY_ID_PATTERN,
    VPC_ID_PATTERN,
    TAG_PATTERN,
    JOB_ARN_PATTERN,
    JOB_IDENTIFIER_PATTERN,
];

static COMPILED: LazyLock<HashMap<&'static str, Regex>> = LazyLock::new(|| {
    ALL_PATTERNS
        .iter()
        .map(|p| {
            // Byte regexes without Unicode classes: `\s` then means ASCII whitespace, as in the
            // (Java) service, and `.`/`[^:]` step over the bytes of a multi-byte character,
            // which gives the same answer for these patterns since every such atom is repeated.
            let re = RegexBuilder::new(&format!("^(?:{p})$"))
                .unicode(false)
                .build()
                .expect("service-model patterns are valid regexes");
            (*p, re)
        })
        .collect()
});

/// Whether `value` matches the service-model pattern `pattern` (one of the constants above),
/// anchored at both ends.
///
/// # Panics
///
/// If `pattern` is not one of this module's pattern constants.
pub fn matches(pattern: &'static str, value: &str) -> bool {
    COMPILED
        .get(pattern)
        .expect("pattern is one of the service-model constants")
        .is_match(value.as_bytes())
}

// ---------------------------------------------------------------------------------------------
// Shapes.

static JOB_NAME: StringShape = StringShape {
    name: "ModelInvocationJobName",
    min: Some(1),
    max: Some(63),
    pattern: Some(JOB_NAME_PATTERN),
    enum_values: &[],
};
static ROLE_ARN: StringShape = StringShape {
    name: "RoleArn",
    min: Some(0),
    max: Some(2048),
    pattern: Some(ROLE_ARN_PATTERN),
    enum_values: &[],
};
static TOKEN: StringShape = StringShape {
    name: "ModelInvocationIdempotencyToken",
    min: Some(1),
    max: Some(256),
    pattern: Some(TOKEN_PATTERN),
    enum_values: &[],
};
static MODEL_ID: StringShape = StringShape {
    name: "ModelId",
    min: Some(1),
    max: Some(2048),
    pattern: Some(MODEL_ID_PATTERN),
    enum_values: &[],
};
static S3_URI: StringShape = StringShape {
    name: "S3Uri",
    min: Some(1),
    max: Some(1024),
    pattern: Some(S3_URI_PATTERN),
    enum_values: &[],
};
static S3_INPUT_FORMAT: StringShape = StringShape {
    name: "S3InputFormat",
    min: None,
    max: None,
    pattern: None,
    enum_values: &["JSONL"],
};
static ACCOUNT_ID: StringShape = StringShape {
    name: "AccountId",
    min: None,
    max: None,
    pattern: Some(ACCOUNT_ID_PATTERN),
    enum_values: &[],
};
static KMS_KEY_ID: StringShape = StringShape {
    name: "KmsKeyId",
    min: Some(1),
    max: Some(2048),
    pattern: Some(KMS_KEY_ID_PATTERN),
    enum_values: &[],
};
static SUBNET_ID: StringShape = StringShape {
    name: "SubnetId",
    min: Some(0),
    max: Some(32),
    pattern: Some(VPC_ID_PATTERN),
    enum_values: &[],
};
static SECURITY_GROUP_ID: StringShape = StringShape {
    name: "SecurityGroupId",
    min: Some(0),
    max: Some(32),
    pattern: Some(VPC_ID_PATTERN),
    enum_values: &[],
};
static TAG_KEY: StringShape = StringShape {
    name: "TagKey",
    min: Some(1),
    max: Some(128),
    pattern: Some(TAG_PATTERN),
    enum_values: &[],
};
static TAG_VALUE: StringShape = StringShape {
    name: "TagValue",
    min: Some(0),
    max: Some(256),
    pattern: Some(TAG_PATTERN),
    enum_values: &[],
};
static INVOCATION_TYPE: StringShape = StringShape {
    name: "ModelInvocationType",
    min: None,
    max: None,
    pattern: None,
    enum_values: &["InvokeModel", "Converse"],
};
static JOB_ARN: StringShape = StringShape {
    name: "ModelInvocationJobArn",
    min: Some(0),
    max: Some(1011),
    pattern: Some(JOB_ARN_PATTERN),
    enum_values: &[],
};
static JOB_IDENTIFIER: StringShape = StringShape {
    name: "ModelInvocationJobIdentifier",
    min: Some(0),
    max: Some(1011),
    pattern: Some(JOB_IDENTIFIER_PATTERN),
    enum_values: &[],
};
static JOB_STATUS: StringShape = StringShape {
    name: "ModelInvocationJobStatus",
    min: None,
    max: None,
    pattern: None,
    enum_values: &[
        "Submitted",
        "InProgress",
        "Completed",
        "Failed",
        "Stopping",
        "Stopped",
        "PartiallyCompleted",
        "Expired",
        "Validating",
        "Scheduled",
    ],
};
static MESSAGE: StringShape = StringShape {
    name: "Message",
    min: Some(0),
    max: Some(2048),
    pattern: None,
    enum_values: &[],
};
static TIMEOUT: IntegerShape = IntegerShape {
    name: "ModelInvocationJobTimeoutDurationInHours",
    min: Some(24),
    max: Some(168),
};
static NON_NEGATIVE_LONG: IntegerShape = IntegerShape {
    name: "NonNegativeLong",
    min: Some(0),
    max: None,
};

static S3_INPUT_DATA_CONFIG: StructureShape = StructureShape {
    name: "ModelInvocationJobS3InputDataConfig",
    union: false,
    members: &[
        Member {
            name: "s3InputFormat",
            shape: Shape::String(&S3_INPUT_FORMAT),
            required: false,
        },
        Member {
            name: "s3Uri",
            shape: Shape::String(&S3_URI),
            required: true,
        },
        Member {
            name: "s3BucketOwner",
            shape: Shape::String(&ACCOUNT_ID),
            required: false,
        },
    ],
};
/// `ModelInvocationJobInputDataConfig` (a tagged union).
pub static INPUT_DATA_CONFIG: StructureShape = StructureShape {
    name: "ModelInvocationJobInputDataConfig",
    union: true,
    members: &[Member {
        name: "s3InputDataConfig",
        shape: Shape::Structure(&S3_INPUT_DATA_CONFIG),
        required: false,
    }],
};
static S3_OUTPUT_DATA_CONFIG: StructureShape = StructureShape {
    name: "ModelInvocationJobS3OutputDataConfig",
    union: false,
    members: &[
        Member {
            name: "s3Uri",
            shape: Shape::String(&S3_URI),
            required: true,
        },
        Member {
            name: "s3EncryptionKeyId",
            shape: Shape::String(&KMS_KEY_ID),
            required: false,
        },
        Member {
            name: "s3BucketOwner",
            shape: Shape::String(&ACCOUNT_ID),
            required: false,
        },
    ],
};
/// `ModelInvocationJobOutputDataConfig` (a tagged union).
pub static OUTPUT_DATA_CONFIG: StructureShape = StructureShape {
    name: "ModelInvocationJobOutputDataConfig",
    union: true,
    members: &[Member {
        name: "s3OutputDataConfig",
        shape: Shape::Structure(&S3_OUTPUT_DATA_CONFIG),
        required: false,
    }],
};
static SUBNET_IDS: ListShape = ListShape {
    name: "SubnetIds",
    member: Shape::String(&SUBNET_ID),
    member_name: "SubnetId",
    min: Some(1),
    max: Some(16),
};
static SECURITY_GROUP_IDS: ListShape = ListShape {
    name: "SecurityGroupIds",
    member: Shape::String(&SECURITY_GROUP_ID),
    member_name: "SecurityGroupId",
    min: Some(1),
    max: Some(5),
};
/// `VpcConfig`.
pub static VPC_CONFIG: StructureShape = StructureShape {
    name: "VpcConfig",
    union: false,
    members: &[
        Member {
            name: "subnetIds",
            shape: Shape::List(&SUBNET_IDS),
            required: true,
        },
        Member {
            name: "securityGroupIds",
            shape: Shape::List(&SECURITY_GROUP_IDS),
            required: true,
        },
    ],
};
static TAG: StructureShape = StructureShape {
    name: "Tag",
    union: false,
    members: &[
        Member {
            name: "key",
            shape: Shape::String(&TAG_KEY),
            required: true,
        },
        Member {
            name: "value",
            shape: Shape::String(&TAG_VALUE),
            required: true,
        },
    ],
};
/// `TagList`.
pub static TAG_LIST: ListShape = ListShape {
    name: "TagList",
    member: Shape::Structure(&TAG),
    member_name: "Tag",
    min: Some(0),
    max: Some(200),
};

/// `CreateModelInvocationJobRequest`.
pub static CREATE_REQUEST: StructureShape = StructureShape {
    name: "CreateModelInvocationJobRequest",
    union: false,
    members: &[
        Member {
            name: "jobName",
            shape: Shape::String(&JOB_NAME),
            required: true,
        },
        Member {
            name: "roleArn",
            shape: Shape::String(&ROLE_ARN),
            required: true,
        },
        Member {
            name: "clientRequestToken",
            shape: Shape::String(&TOKEN),
            required: false,
        },
        Member {
            name: "modelId",
            shape: Shape::String(&MODEL_ID),
            required: true,
        },
        Member {
            name: "inputDataConfig",
            shape: Shape::Structure(&INPUT_DATA_CONFIG),
            required: true,
        },
        Member {
            name: "outputDataConfig",
            shape: Shape::Structure(&OUTPUT_DATA_CONFIG),
            required: true,
        },
        Member {
            name: "vpcConfig",
            shape: Shape::Structure(&VPC_CONFIG),
            required: false,
        },
        Member {
            name: "timeoutDurationInHours",
            shape: Shape::Integer(&TIMEOUT),
            required: false,
        },
        Member {
            name: "tags",
            shape: Shape::List(&TAG_LIST),
            required: false,
        },
        Member {
            name: "modelInvocationType",
            shape: Shape::String(&INVOCATION_TYPE),
            required: false,
        },
    ],
};

/// `CreateModelInvocationJobResponse`.
pub static CREATE_RESPONSE: StructureShape = StructureShape {
    name: "CreateModelInvocationJobResponse",
    union: false,
    members: &[Member {
        name: "jobArn",
        shape: Shape::String(&JOB_ARN),
        required: true,
    }],
};

/// `GetModelInvocationJobRequest`.
pub static GET_REQUEST: StructureShape = StructureShape {
    name: "GetModelInvocationJobRequest",
    union: false,
    members: &[Member {
        name: "jobIdentifier",
        shape: Shape::String(&JOB_IDENTIFIER),
        required: true,
    }],
};

/// `GetModelInvocationJobResponse`: the shape `job create` and `job get` print.
pub static GET_RESPONSE: StructureShape = StructureShape {
    name: "GetModelInvocationJobResponse",
    union: false,
    members: &[
        Member {
            name: "jobArn",
            shape: Shape::String(&JOB_ARN),
            required: true,
        },
        Member {
            name: "jobName",
            shape: Shape::String(&JOB_NAME),
            required: false,
        },
        Member {
            name: "modelId",
            shape: Shape::String(&MODEL_ID),
            required: true,
        },
        Member {
            name: "clientRequestToken",
            shape: Shape::String(&TOKEN),
            required: false,
        },
        Member {
            name: "roleArn",
            shape: Shape::String(&ROLE_ARN),
            required: true,
        },
        Member {
            name: "status",
            shape: Shape::String(&JOB_STATUS),
            required: false,
        },
        Member {
            name: "message",
            shape: Shape::String(&MESSAGE),
            required: false,
        },
        Member {
            name: "submitTime",
            shape: Shape::Timestamp,
            required: true,
        },
        Member {
            name: "lastModifiedTime",
            shape: Shape::Timestamp,
            required: false,
        },
        Member {
            name: "endTime",
            shape: Shape::Timestamp,
            required: false,
        },
        Member {
            name: "inputDataConfig",
            shape: Shape::Structure(&INPUT_DATA_CONFIG),
            required: true,
        },
        Member {
            name: "outputDataConfig",
            shape: Shape::Structure(&OUTPUT_DATA_CONFIG),
            required: true,
        },
        Member {
            name: "vpcConfig",
            shape: Shape::Structure(&VPC_CONFIG),
            required: false,
        },
        Member {
            name: "timeoutDurationInHours",
            shape: Shape::Integer(&TIMEOUT),
            required: false,
        },
        Member {
            name: "jobExpirationTime",
            shape: Shape::Timestamp,
            required: false,
        },
        Member {
            name: "modelInvocationType",
            shape: Shape::String(&INVOCATION_TYPE),
            required: false,
        },
        Member {
            name: "totalRecordCount",
            shape: Shape::Integer(&NON_NEGATIVE_LONG),
            required: false,
        },
        Member {
            name: "processedRecordCount",
            shape: Shape::Integer(&NON_NEGATIVE_LONG),
            required: false,
        },
        Member {
            name: "successRecordCount",
            shape: Shape::Integer(&NON_NEGATIVE_LONG),
            required: false,
        },
        Member {
            name: "errorRecordCount",
            shape: Shape::Integer(&NON_NEGATIVE_LONG),
            required: false,
        },
    ],
};

// ---------------------------------------------------------------------------------------------
// Pass 1: botocore's client-side parameter validation.

/// A problem botocore finds before sending (its `Parameter validation failed` list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamProblem(pub String);

impl fmt::Display for ParamProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Members the model does not know, values of the wrong JSON type and tagged unions with other
/// than one member set, in botocore's wording. `value` is the whole request object.
pub fn param_problems(shape: &'static StructureShape, value: &Value) -> Vec<ParamProblem> {
    let mut out = Vec::new();
    check_param(Shape::Structure(shape), value, "input", &mut out);
    out
}

fn python_type(value: &Value) -> &'static str {
    // botocore names the Python type it got; JSON values map onto these.
    match value {
        Value::Null => "<class 'NoneType'>",
        Value::Bool(_) => "<class 'bool'>",
        Value::Number(n) if n.is_i64() || n.is_u64() => "<class 'int'>",
        Value::Number(_) => "<class 'float'>",
        Value::String(_) => "<class 'str'>",
        Value::Array(_) => "<class 'list'>",
        Value::Object(_) => "<class 'dict'>",
    }
}

fn python_repr(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "None".to_owned(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        other => other.to_string(),
    }
}

fn check_param(shape: Shape, value: &Value, name: &str, out: &mut Vec<ParamProblem>) {
    let wrong_type = |valid: &str, out: &mut Vec<ParamProblem>| {
        out.push(ParamProblem(format!(
            "Invalid type for parameter {name}, value: {}, type: {}, valid types: {valid}",
            python_repr(value),
            python_type(value)
        )));
    };
    match shape {
        Shape::Structure(s) => {
            let Value::Object(map) = value else {
                wrong_type("<class 'dict'>", out);
                return;
            };
            if s.union && map.len() != 1 {
                let keys: Vec<&str> = s.members.iter().map(|m| m.name).collect();
                out.push(ParamProblem(format!(
                    "Invalid number of parameters set for tagged union structure {name}. \
                     Can only set one of the following keys: {}.",
                    keys.join(", ")
                )));
            }
            for (key, child) in map {
                match s.member(key) {
                    Some(m) => {
                        let child_name = if name == "input" {
                            key.clone()
                        } else {
                            format!("{name}.{key}")
                        };
                        check_param(m.shape, child, &child_name, out);
                    }
                    None => {
                        let keys: Vec<&str> = s.members.iter().map(|m| m.name).collect();
                        out.push(ParamProblem(format!(
                            "Unknown parameter in {name}: \"{key}\", must be one of: {}",
                            keys.join(", ")
                        )));
                    }
                }
            }
        }
        Shape::List(l) => {
            let Value::Array(items) = value else {
                wrong_type("<class 'list'>, <class 'tuple'>", out);
                return;
            };
            for (i, item) in items.iter().enumerate() {
                check_param(l.member, item, &format!("{name}[{i}]"), out);
            }
        }
        Shape::String(_) => {
            if !value.is_string() {
                wrong_type("<class 'str'>", out);
            }
        }
        Shape::Integer(_) => {
            if !(value.is_i64() || value.is_u64()) {
                wrong_type("<class 'int'>", out);
            }
        }
        Shape::Timestamp => {
            if !value.is_string() {
                wrong_type("<class 'datetime.datetime'>, <class 'str'>", out);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Pass 2: the service's ValidationException.

/// One failed constraint, as the service reports it inside a `ValidationException`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The member path in the service's notation (`inputDataConfig.s3InputDataConfig.s3Uri`,
    /// `tags.2.member.key`).
    pub path: String,
    /// The value as the service quotes it (`None` prints as `null`, unquoted).
    pub value: Option<String>,
    /// The constraint text (`Member must satisfy regular expression pattern: …`).
    pub constraint: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.value {
            Some(v) => write!(f, "Value '{v}'")?,
            None => f.write_str("Value null")?,
        }
        write!(
            f,
            " at '{}' failed to satisfy constraint: {}",
            self.path, self.constraint
        )
    }
}

/// Every constraint of the service model that `value` (a request that passed
/// [`param_problems`]) violates, in model member order.
pub fn violations(shape: &'static StructureShape, value: &Value) -> Vec<Violation> {
    let mut out = Vec::new();
    check_structure(shape, value, "", &mut out);
    out
}

fn join_path(parent: &str, member: &str) -> String {
    if parent.is_empty() {
        member.to_owned()
    } else {
        format!("{parent}.{member}")
    }
}

fn check_structure(shape: &StructureShape, value: &Value, path: &str, out: &mut Vec<Violation>) {
    let Value::Object(map) = value else { return };
    for m in shape.members {
        let child_path = join_path(path, m.name);
        match map.get(m.name) {
            None | Some(Value::Null) => {
                if m.required {
                    out.push(Violation {
                        path: child_path,
                        value: None,
                        constraint: "Member must not be null".to_owned(),
                    });
                }
            }
            Some(child) => check_value(m.shape, child, &child_path, out),
        }
    }
}

fn check_value(shape: Shape, value: &Value, path: &str, out: &mut Vec<Violation>) {
    match shape {
        Shape::Structure(s) => check_structure(s, value, path, out),
        Shape::List(l) => check_list(l, value, path, out),
        Shape::String(s) => {
            if let Some(text) = value.as_str() {
                for constraint in string_failures(s, text) {
                    out.push(Violation {
                        path: path.to_owned(),
                        value: Some(text.to_owned()),
                        constraint,
                    });
                }
            }
        }
        Shape::Integer(i) => {
            // Widened so a JSON number past i64 (valid for botocore, an int) is still compared.
            let n = value
                .as_i64()
                .map(i128::from)
                .or_else(|| value.as_u64().map(i128::from));
            if let Some(n) = n {
                let shown = Some(n.to_string());
                if let Some(min) = i.min.filter(|min| n < i128::from(*min)) {
                    out.push(Violation {
                        path: path.to_owned(),
                        value: shown.clone(),
                        constraint: format!(
                            "Member must have value greater than or equal to {min}"
                        ),
                    });
                }
                if let Some(max) = i.max.filter(|max| n > i128::from(*max)) {
                    out.push(Violation {
                        path: path.to_owned(),
                        value: shown,
                        constraint: format!("Member must have value less than or equal to {max}"),
                    });
                }
            }
        }
        Shape::Timestamp => {}
    }
}

/// The constraints of a string shape that `text` fails, in the service's wording.
fn string_failures(s: &StringShape, text: &str) -> Vec<String> {
    let mut failed = Vec::new();
    if !s.enum_values.is_empty() && !s.enum_values.contains(&text) {
        failed.push(format!(
            "Member must satisfy enum value set: [{}]",
            s.enum_values.join(", ")
        ));
    }
    // Lengths count characters, as the service does for these ASCII-only shapes.
    let len = text.chars().count() as u64;
    if let Some(max) = s.max.filter(|max| len > *max) {
        failed.push(format!(
            "Member must have length less than or equal to {max}"
        ));
    }
    if let Some(min) = s.min.filter(|min| len < *min) {
        failed.push(format!(
            "Member must have length greater than or equal to {min}"
        ));
    }
    if let Some(p) = s.pattern.filter(|p| !matches(p, text)) {
        failed.push(format!(
            "Member must satisfy regular expression pattern: {p}"
        ));
    }
    failed
}

/// All constraints of a string shape, in the order the service lists them when it reports a
/// list member ("Member must satisfy constraint: [...]").
fn string_constraints(s: &StringShape) -> Vec<String> {
    let mut all = Vec::new();
    if !s.enum_values.is_empty() {
        all.push(format!(
            "Member must satisfy enum value set: [{}]",
            s.enum_values.join(", ")
        ));
    }
    if let Some(max) = s.max {
        all.push(format!(
            "Member must have length less than or equal to {max}"
        ));
    }
    if let Some(min) = s.min {
        all.push(format!(
            "Member must have length greater than or equal to {min}"
        ));
    }
    if let Some(p) = s.pattern {
        all.push(format!(
            "Member must satisfy regular expression pattern: {p}"
        ));
    }
    all
}

/// How the service quotes a list value: Java's `List.toString()`, abbreviated after a few
/// elements so a 201-tag list does not make a 10 kB message.
fn list_display(items: &[Value]) -> String {
    const SHOWN: usize = 3;
    let mut parts: Vec<String> = items
        .iter()
        .take(SHOWN)
        .map(|v| match v {
            Value::String(s) => s.clone(),
            Value::Object(map) => {
                let inner: Vec<String> = map
                    .iter()
                    .map(|(k, v)| {
                        format!(
                            "{k}={}",
                            v.as_str().map_or_else(|| v.to_string(), str::to_owned)
                        )
                    })
                    .collect();
                format!("{{{}}}", inner.join(", "))
            }
            other => other.to_string(),
        })
        .collect();
    if items.len() > SHOWN {
        parts.push(format!("... ({} elements in all)", items.len()));
    }
    format!("[{}]", parts.join(", "))
}

fn check_list(l: &ListShape, value: &Value, path: &str, out: &mut Vec<Violation>) {
    let Value::Array(items) = value else { return };
    let len = items.len() as u64;
    if let Some(max) = l.max.filter(|max| len > *max) {
        out.push(Violation {
            path: path.to_owned(),
            value: Some(list_display(items)),
            constraint: format!("Member must have length less than or equal to {max}"),
        });
    }
    if let Some(min) = l.min.filter(|min| len < *min) {
        out.push(Violation {
            path: path.to_owned(),
            value: Some(list_display(items)),
            constraint: format!("Member must have length greater than or equal to {min}"),
        });
    }
    match l.member {
        // A list of strings is reported once, as the whole list with the element constraints
        // (the service's "Member must satisfy constraint: [...]" form).
        Shape::String(s) => {
            let any_bad = items
                .iter()
                .filter_map(Value::as_str)
                .any(|t| !string_failures(s, t).is_empty());
            if any_bad {
                out.push(Violation {
                    path: path.to_owned(),
                    value: Some(list_display(items)),
                    constraint: format!(
                        "Member must satisfy constraint: [{}]",
                        string_constraints(s).join(", ")
                    ),
                });
            }
        }
        // Structures in a list are checked member by member at `path.N.member.key` (1-based).
        member => {
            for (i, item) in items.iter().enumerate() {
                check_value(member, item, &format!("{path}.{}.member", i + 1), out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_pattern_compiles() {
        for p in ALL_PATTERNS {
            assert!(COMPILED.contains_key(p));
        }
    }

    #[test]
    fn job_name_pattern_matches_like_the_reference() {
        for ok in ["my-batch-job", "job.v1+x", "a--b", "ab-"] {
            assert!(matches(JOB_NAME_PATTERN, ok), "{ok}");
        }
        for bad in ["my_batch_job", "-lead", ""] {
            assert!(!matches(JOB_NAME_PATTERN, bad), "{bad}");
        }
    }

    #[test]
    fn s3_uri_pattern_matches_like_the_reference() {
        for ok in [
            "s3://my-bucket/input/",
            "s3://my-bucket",
            "s3://abc/x.jsonl",
        ] {
            assert!(matches(S3_URI_PATTERN, ok), "{ok}");
        }
        for bad in [
            "s3://My-Bucket/x",
            "s3://my-bucket/date=2024-01-01/x.jsonl",
            "s3://my-bucket/a b.jsonl",
            "s3://my-bucket/a+b.jsonl",
            "s3://ab/x",
        ] {
            assert!(!matches(S3_URI_PATTERN, bad), "{bad}");
        }
    }

    #[test]
    fn model_id_pattern_matches_like_the_reference() {
        for ok in [
            "anthropic.claude-3-haiku-20240307-v1:0",
            "us.anthropic.claude-3-5-haiku-20241022-v1:0",
            "us.deepseek.r1-v1:0",
            "openai.gpt-oss-120b-1:0",
            "amazon.titan-embed-text-v2:0",
            "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
            "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0",
        ] {
            assert!(matches(MODEL_ID_PATTERN, ok), "{ok}");
        }
        for bad in ["Anthropic Claude", "anthropic.claude v1", "a..b"] {
            assert!(!matches(MODEL_ID_PATTERN, bad), "{bad}");
        }
    }

    #[test]
    fn token_tag_and_kms_patterns() {
        assert!(matches(TOKEN_PATTERN, "abc-123"));
        assert!(!matches(TOKEN_PATTERN, "abc_123"));
        assert!(matches(TAG_PATTERN, "team: ml/x=y+z@a-b"));
        assert!(matches(TAG_PATTERN, ""));
        assert!(!matches(TAG_PATTERN, "caf\u{e9}"));
        // Java's `\s` is ASCII-only: a no-break space is not whitespace for the service.
        assert!(!matches(TAG_PATTERN, "a\u{a0}b"));
        assert!(matches(KMS_KEY_ID_PATTERN, "alias/my-key_1/x"));
        assert!(matches(
            KMS_KEY_ID_PATTERN,
            "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        ));
        assert!(!matches(KMS_KEY_ID_PATTERN, "my key"));
        assert!(matches(
            ROLE_ARN_PATTERN,
            "arn:aws:iam::123456789012:role/Batch"
        ));
        assert!(matches(ROLE_ARN_PATTERN, "arn:aws-cn:iam:::role/x"));
        assert!(!matches(ROLE_ARN_PATTERN, "arn:aws:iam::12345:role/x"));
    }

    #[test]
    fn the_service_message_of_the_issue() {
        let v = violations(
            &CREATE_REQUEST,
            &json!({"jobName": "my_job", "roleArn": "arn:aws:iam::123456789012:role/R",
                    "modelId": "anthropic.claude-3-haiku-20240307-v1:0",
                    "inputDataConfig": {"s3InputDataConfig": {"s3Uri": "s3://bucket/in/"}},
                    "outputDataConfig": {"s3OutputDataConfig": {"s3Uri": "s3://bucket/out/"}}}),
        );
        assert_eq!(v.len(), 1);
        assert_eq!(
            v[0].to_string(),
            r"Value 'my_job' at 'jobName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9]{1,63}(-*[a-zA-Z0-9\+\-\.]){0,63}"
        );
    }

    #[test]
    fn required_members_nested_and_top_level() {
        let v = violations(
            &CREATE_REQUEST,
            &json!({"inputDataConfig": {"s3InputDataConfig": {}}}),
        );
        let shown: Vec<String> = v.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "Value null at 'jobName' failed to satisfy constraint: Member must not be null",
                "Value null at 'roleArn' failed to satisfy constraint: Member must not be null",
                "Value null at 'modelId' failed to satisfy constraint: Member must not be null",
                "Value null at 'inputDataConfig.s3InputDataConfig.s3Uri' failed to satisfy constraint: Member must not be null",
                "Value null at 'outputDataConfig' failed to satisfy constraint: Member must not be null",
            ]
        );
    }

    #[test]
    fn ranges_lists_and_tags() {
        let tags: Vec<Value> = (0..201)
            .map(|i| json!({"key": format!("k{i}"), "value": "v"}))
            .collect();
        let v = violations(
            &CREATE_REQUEST,
            &json!({"timeoutDurationInHours": 200,
                    "vpcConfig": {"subnetIds": ["subnet_1"], "securityGroupIds": []},
                    "tags": tags,
                    "modelInvocationType": "Batch"}),
        );
        let shown: Vec<String> = v.iter().map(ToString::to_string).collect();
        let find = |needle: &str| {
            shown
                .iter()
                .find(|s| s.contains(needle))
                .unwrap_or_else(|| panic!("{needle} not in {shown:#?}"))
                .clone()
        };
        assert_eq!(
            find("timeoutDurationInHours"),
            "Value '200' at 'timeoutDurationInHours' failed to satisfy constraint: Member must have value less than or equal to 168"
        );
        let huge = violations(
            &CREATE_REQUEST,
            &json!({"timeoutDurationInHours": 18446744073709551615u64}),
        );
        assert!(huge.iter().any(|v| v.to_string()
            == "Value '18446744073709551615' at 'timeoutDurationInHours' failed to satisfy constraint: Member must have value less than or equal to 168"));
        assert_eq!(
            find("vpcConfig.subnetIds"),
            "Value '[subnet_1]' at 'vpcConfig.subnetIds' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 32, Member must have length greater than or equal to 0, Member must satisfy regular expression pattern: [-0-9a-zA-Z]+]"
        );
        assert_eq!(
            find("vpcConfig.securityGroupIds"),
            "Value '[]' at 'vpcConfig.securityGroupIds' failed to satisfy constraint: Member must have length greater than or equal to 1"
        );
        assert!(find("at 'tags'").ends_with("Member must have length less than or equal to 200"));
        assert_eq!(
            find("modelInvocationType"),
            "Value 'Batch' at 'modelInvocationType' failed to satisfy constraint: Member must satisfy enum value set: [InvokeModel, Converse]"
        );
    }

    #[test]
    fn tag_members_are_reported_one_based() {
        let v = violations(
            &CREATE_REQUEST,
            &json!({"tags": [{"key": "ok", "value": "ok"}, {"key": "", "value": "bad!"}]}),
        );
        let shown: Vec<String> = v.iter().map(ToString::to_string).collect();
        assert!(shown.contains(&"Value '' at 'tags.2.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1".to_owned()), "{shown:#?}");
        assert!(shown.contains(&r"Value 'bad!' at 'tags.2.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9\s._:/=+@-]*".to_owned()), "{shown:#?}");
    }

    #[test]
    fn param_problems_use_botocore_wording() {
        let p = param_problems(
            &CREATE_REQUEST,
            &json!({"jobName": 5, "foo": 1,
                    "inputDataConfig": {},
                    "vpcConfig": {"subnetIds": "a"}}),
        );
        let shown: Vec<String> = p.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "Invalid type for parameter jobName, value: 5, type: <class 'int'>, valid types: <class 'str'>",
                "Unknown parameter in input: \"foo\", must be one of: jobName, roleArn, clientRequestToken, modelId, inputDataConfig, outputDataConfig, vpcConfig, timeoutDurationInHours, tags, modelInvocationType",
                "Invalid number of parameters set for tagged union structure inputDataConfig. Can only set one of the following keys: s3InputDataConfig.",
                "Invalid type for parameter vpcConfig.subnetIds, value: a, type: <class 'str'>, valid types: <class 'list'>, <class 'tuple'>",
            ]
        );
    }
}
