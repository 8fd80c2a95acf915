//! The service model's shapes and patterns, verbatim from botocore 1.43.11
//! (`bedrock/2023-04-20/service-2.json`).

use regex::bytes::{Regex, RegexBuilder};
use std::collections::HashMap;
use std::sync::LazyLock;

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

pub(super) const ALL_PATTERNS: &[&str] = &[
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

pub(super) static COMPILED: LazyLock<HashMap<&'static str, Regex>> = LazyLock::new(|| {
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

pub(super) static JOB_NAME: StringShape = StringShape {
    name: "ModelInvocationJobName",
    min: Some(1),
    max: Some(63),
    pattern: Some(JOB_NAME_PATTERN),
    enum_values: &[],
};
pub(super) static ROLE_ARN: StringShape = StringShape {
    name: "RoleArn",
    min: Some(0),
    max: Some(2048),
    pattern: Some(ROLE_ARN_PATTERN),
    enum_values: &[],
};
pub(super) static TOKEN: StringShape = StringShape {
    name: "ModelInvocationIdempotencyToken",
    min: Some(1),
    max: Some(256),
    pattern: Some(TOKEN_PATTERN),
    enum_values: &[],
};
pub(super) static MODEL_ID: StringShape = StringShape {
    name: "ModelId",
    min: Some(1),
    max: Some(2048),
    pattern: Some(MODEL_ID_PATTERN),
    enum_values: &[],
};
pub(super) static S3_URI: StringShape = StringShape {
    name: "S3Uri",
    min: Some(1),
    max: Some(1024),
    pattern: Some(S3_URI_PATTERN),
    enum_values: &[],
};
pub(super) static S3_INPUT_FORMAT: StringShape = StringShape {
    name: "S3InputFormat",
    min: None,
    max: None,
    pattern: None,
    enum_values: &["JSONL"],
};
pub(super) static ACCOUNT_ID: StringShape = StringShape {
    name: "AccountId",
    min: None,
    max: None,
    pattern: Some(ACCOUNT_ID_PATTERN),
    enum_values: &[],
};
pub(super) static KMS_KEY_ID: StringShape = StringShape {
    name: "KmsKeyId",
    min: Some(1),
    max: Some(2048),
    pattern: Some(KMS_KEY_ID_PATTERN),
    enum_values: &[],
};
pub(super) static SUBNET_ID: StringShape = StringShape {
    name: "SubnetId",
    min: Some(0),
    max: Some(32),
    pattern: Some(VPC_ID_PATTERN),
    enum_values: &[],
};
pub(super) static SECURITY_GROUP_ID: StringShape = StringShape {
    name: "SecurityGroupId",
    min: Some(0),
    max: Some(32),
    pattern: Some(VPC_ID_PATTERN),
    enum_values: &[],
};
pub(super) static TAG_KEY: StringShape = StringShape {
    name: "TagKey",
    min: Some(1),
    max: Some(128),
    pattern: Some(TAG_PATTERN),
    enum_values: &[],
};
pub(super) static TAG_VALUE: StringShape = StringShape {
    name: "TagValue",
    min: Some(0),
    max: Some(256),
    pattern: Some(TAG_PATTERN),
    enum_values: &[],
};
pub(super) static INVOCATION_TYPE: StringShape = StringShape {
    name: "ModelInvocationType",
    min: None,
    max: None,
    pattern: None,
    enum_values: &["InvokeModel", "Converse"],
};
pub(super) static JOB_ARN: StringShape = StringShape {
    name: "ModelInvocationJobArn",
    min: Some(0),
    max: Some(1011),
    pattern: Some(JOB_ARN_PATTERN),
    enum_values: &[],
};
pub(super) static JOB_IDENTIFIER: StringShape = StringShape {
    name: "ModelInvocationJobIdentifier",
    min: Some(0),
    max: Some(1011),
    pattern: Some(JOB_IDENTIFIER_PATTERN),
    enum_values: &[],
};
pub(super) static JOB_STATUS: StringShape = StringShape {
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
pub(super) static MESSAGE: StringShape = StringShape {
    name: "Message",
    min: Some(0),
    max: Some(2048),
    pattern: None,
    enum_values: &[],
};
pub(super) static TIMEOUT: IntegerShape = IntegerShape {
    name: "ModelInvocationJobTimeoutDurationInHours",
    min: Some(24),
    max: Some(168),
};
pub(super) static NON_NEGATIVE_LONG: IntegerShape = IntegerShape {
    name: "NonNegativeLong",
    min: Some(0),
    max: None,
};

pub(super) static S3_INPUT_DATA_CONFIG: StructureShape = StructureShape {
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
pub(super) static S3_OUTPUT_DATA_CONFIG: StructureShape = StructureShape {
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
pub(super) static SUBNET_IDS: ListShape = ListShape {
    name: "SubnetIds",
    member: Shape::String(&SUBNET_ID),
    member_name: "SubnetId",
    min: Some(1),
    max: Some(16),
};
pub(super) static SECURITY_GROUP_IDS: ListShape = ListShape {
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
pub(super) static TAG: StructureShape = StructureShape {
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
