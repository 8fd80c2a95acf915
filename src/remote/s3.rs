//! S3 I/O with `object_store`, credentials and region from the AWS CLI's default chain
//! (`aws-config`).
//!
//! Why both crates: `object_store` does listing, ranged GETs, multipart uploads and retries
//! with exponential backoff and jitter on 5xx/`SlowDown`/dropped connections, with a small
//! dependency tree; but since 0.6 it reads credentials only from `AWS_*` environment
//! variables, web identity and instance metadata, not the shared `config`/`credentials` files,
//! SSO or `credential_process`. `aws-config` resolves exactly what the AWS CLI resolves, so a
//! laptop user after `aws sso login` just works. The bridge ([`ChainCredentials`]) is the
//! DataFusion CLI's, plus a cache so the chain is not asked again on every request.
//!
//! Endpoint: `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL` or the profile's `endpoint_url`
//! (as the AWS CLI reads them); a custom endpoint is addressed path-style
//! (`http://host:port/bucket/key`), which S3-compatible servers expect, and may be plain
//! `http://`.

use std::collections::HashMap;
use std::io::Read;
use std::ops::Range;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use bytes::{Buf, Bytes};
use futures::StreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder, AwsCredential, Checksum};
use object_store::path::Path as ObjPath;
use object_store::{
    BackoffConfig, ClientOptions, CredentialProvider, GetOptions, GetRange, ObjectStore,
    ObjectStoreExt, RetryConfig,
};

use super::progress::{progress, Direction};
use super::{Listing, RemoteObject, S3Uri};
use crate::error::{Error, Result};

/// Bytes per ranged GET. 8 MiB is S3's own advice for byte-range fetches (large enough that
/// per-request latency is amortised, small enough to retry cheaply).
pub const RANGE_BYTES: u64 = 8 << 20;
/// Ranged GETs in flight per object, ahead of the reader.
pub const RANGES_IN_FLIGHT: usize = 4;
/// Fetched ranges waiting for the reader. Memory per open object is at most
/// `(RANGES_IN_FLIGHT + QUEUED_RANGES + 1) * RANGE_BYTES` (56 MiB), whatever its size.
const QUEUED_RANGES: usize = 2;
/// Attempts per range when the body is cut off mid-transfer (object_store retries failed
/// requests itself, but not a body that stops early).
const RANGE_ATTEMPTS: u32 = 5;

/// The runtime that drives every request; the rest of the crate stays synchronous.
pub(super) fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("bedrock-batch-s3")
            .enable_all()
            .build()
            .expect("the S3 I/O runtime could not start (no threads or timers left)")
    })
}

/// What the AWS CLI's chain resolved, once per run.
struct Context {
    region: String,
    endpoint: Option<String>,
    credentials: Option<Arc<ChainCredentials>>,
}

fn context() -> &'static Context {
    static CTX: OnceLock<Context> = OnceLock::new();
    CTX.get_or_init(|| {
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
        if let Some(p) = super::profile() {
            loader = loader.profile_name(p);
        }
        let sdk = runtime().block_on(loader.load());
        // The AWS CLI's order: the service-specific variable, then the global one and the
        // profile's `endpoint_url` (which aws-config has already merged).
        let endpoint = std::env::var("AWS_ENDPOINT_URL_S3")
            .ok()
            .filter(|s| !s.is_empty())
            .or_else(|| sdk.endpoint_url().map(str::to_string));
        Context {
            region: sdk
                .region()
                .map_or_else(|| "us-east-1".to_string(), |r| r.to_string()),
            endpoint,
            credentials: sdk.credentials_provider().map(|provider| {
                Arc::new(ChainCredentials {
                    provider,
                    cached: tokio::sync::Mutex::new(None),
                })
            }),
        }
    })
}

/// The endpoint requests go to, for messages.
fn endpoint_name() -> String {
    let ctx = context();
    ctx.endpoint
        .clone()
        .unwrap_or_else(|| format!("https://s3.{}.amazonaws.com", ctx.region))
}

/// The store of one bucket, built once.
fn store(bucket: &str) -> Result<Arc<AmazonS3>> {
    static STORES: OnceLock<Mutex<HashMap<String, Arc<AmazonS3>>>> = OnceLock::new();
    let stores = STORES.get_or_init(Default::default);
    let mut stores = stores.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(s) = stores.get(bucket) {
        return Ok(s.clone());
    }
    let ctx = context();
    let retry = RetryConfig {
        // 100 ms doubling to 5 s with jitter, six retries: about 10 s of a throttling or
        // failing server before giving up, and an unreachable endpoint is reported in seconds.
        backoff: BackoffConfig {
            init_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
            base: 2.0,
        },
        max_retries: 6,
        retry_timeout: Duration::from_secs(60),
    };
    let mut builder = AmazonS3Builder::new()
        .with_bucket_name(bucket)
        .with_region(&ctx.region)
        .with_retry(retry)
        .with_client_options(
            ClientOptions::new()
                .with_connect_timeout(Duration::from_secs(5))
                .with_timeout(Duration::from_secs(120)),
        )
        // Every PUT and part carries x-amz-checksum-sha256, which S3 checks before it
        // stores the bytes (BadDigest otherwise).
        .with_checksum_algorithm(Checksum::SHA256);
    if let Some(creds) = &ctx.credentials {
        builder = builder.with_credentials(creds.clone());
    } else {
        builder = builder.with_skip_signature(true);
    }
    if let Some(endpoint) = &ctx.endpoint {
        builder = builder
            .with_endpoint(endpoint)
            .with_allow_http(endpoint.starts_with("http://"))
            .with_virtual_hosted_style_request(false);
    }
    let built = Arc::new(builder.build().map_err(|e| Error::Remote {
        uri: format!("s3://{bucket}/"),
        message: format!("cannot set up S3 access: {e}"),
    })?);
    stores.insert(bucket.to_string(), built.clone());
    Ok(built)
}

/// The credential chain as `object_store` wants it, cached until five minutes before the
/// credentials expire.
#[derive(Debug)]
struct ChainCredentials {
    provider: SharedCredentialsProvider,
    cached: tokio::sync::Mutex<Option<(Arc<AwsCredential>, Option<SystemTime>)>>,
}

/// Why the credential chain gave nothing; kept as its own type so messages can say so.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct NoCredentials(String);

#[async_trait::async_trait]
impl CredentialProvider for ChainCredentials {
    type Credential = AwsCredential;

    async fn get_credential(&self) -> object_store::Result<Arc<AwsCredential>> {
        let mut cached = self.cached.lock().await;
        if let Some((cred, expiry)) = &*cached {
            let fresh = expiry.is_none_or(|e| e > SystemTime::now() + Duration::from_secs(300));
            if fresh {
                return Ok(cred.clone());
            }
        }
        let creds = self.provider.provide_credentials().await.map_err(|e| {
            object_store::Error::Generic {
                store: "S3",
                source: Box::new(NoCredentials(credentials_problem(&e))),
            }
        })?;
        let cred = Arc::new(AwsCredential {
            key_id: creds.access_key_id().to_string(),
            secret_key: creds.secret_access_key().to_string(),
            token: creds.session_token().map(str::to_string),
        });
        *cached = Some((cred.clone(), creds.expiry()));
        Ok(cred)
    }
}

/// One line on why the chain found no usable credentials, and what to do.
fn credentials_problem(e: &CredentialsError) -> String {
    let what = match e {
        CredentialsError::CredentialsNotLoaded(_) => {
            let profile = super::profile()
                .map(str::to_string)
                .or_else(|| std::env::var("AWS_PROFILE").ok());
            let found = match profile {
                Some(p) => format!("no AWS credentials found for profile `{p}`"),
                None => "no AWS credentials found".to_string(),
            };
            return format!(
                "{found}; set AWS_PROFILE or --profile, run `aws configure` or `aws sso login`, \
                 or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
            );
        }
        _ => chain(e),
    };
    format!(
        "cannot load AWS credentials ({what}); if you use SSO run `aws sso login`, else check the \
         profile in ~/.aws/config and ~/.aws/credentials"
    )
}

/// An error and its sources on one line.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out.replace('\n', " ")
}

/// What an S3 failure means for the user, in one line (without the URI: callers add it).
fn explain(e: &object_store::Error, bucket: &str) -> String {
    let text = chain(e);
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if let Some(n) = s.downcast_ref::<NoCredentials>() {
            return n.0.clone();
        }
        source = s.source();
    }
    let has = |code: &str| text.contains(code);
    if has("NoSuchBucket") {
        format!(
            "the bucket `{bucket}` does not exist (endpoint {}); check the URI, and AWS_REGION or \
             the profile's region",
            endpoint_name()
        )
    } else if has("ExpiredToken") || has("TokenRefreshRequired") || has("RequestExpired") {
        "the AWS credentials have expired; renew them (`aws sso login`, or fresh keys for the \
         profile) and run again"
            .into()
    } else if has("InvalidAccessKeyId") || has("SignatureDoesNotMatch") || has("InvalidToken") {
        "the AWS credentials were rejected (unknown access key or wrong secret); check AWS_PROFILE \
         or --profile, ~/.aws/credentials, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
            .into()
    } else if has("PermanentRedirect")
        || has("AuthorizationHeaderMalformed")
        || has("incorrectly configured region")
    {
        format!(
            "the bucket `{bucket}` is not in Region {}; set AWS_REGION (or the profile's region) \
             to the bucket's Region",
            context().region
        )
    } else if has("AccessDenied") || matches!(e, object_store::Error::PermissionDenied { .. }) {
        "access denied; the credentials' IAM policy must allow s3:ListBucket and s3:GetObject to \
         read here (s3:PutObject, s3:DeleteObject and s3:AbortMultipartUpload to write)"
            .into()
    } else if matches!(e, object_store::Error::Unauthenticated { .. }) {
        "the request was not authenticated; check the AWS credentials (AWS_PROFILE or --profile)"
            .into()
    } else if matches!(e, object_store::Error::NotFound { .. }) {
        "no such object".into()
    } else if matches!(e, object_store::Error::Precondition { .. }) {
        "the object changed while it was read; run again".into()
    } else if has("error sending request")
        || has("connect")
        || has("Connection refused")
        || has("dns error")
        || has("timed out")
    {
        format!(
            "cannot reach the S3 endpoint {} ({}); check the network, AWS_ENDPOINT_URL / \
             AWS_ENDPOINT_URL_S3 and AWS_REGION",
            endpoint_name(),
            shorten(&text)
        )
    } else if has("SlowDown") || has("503") || has("500") || has("InternalError") {
        format!(
            "S3 kept failing after retries with backoff ({}); try again later",
            shorten(&text)
        )
    } else {
        format!("S3 request failed: {}", shorten(&text))
    }
}

/// At most ~200 characters of a long error chain.
fn shorten(text: &str) -> String {
    let t: String = text.chars().take(200).collect();
    if t.len() < text.len() {
        format!("{t}…")
    } else {
        t
    }
}

fn remote_error(uri: &S3Uri, e: &object_store::Error) -> Error {
    Error::Remote {
        uri: uri.to_string(),
        message: explain(e, &uri.bucket),
    }
}

/// An `object_store` path for a key. Keys are taken as they are (`Path::from` would drop
/// empty segments and percent-encode some characters).
pub(super) fn obj_path(key: &str) -> ObjPath {
    ObjPath::parse(key).unwrap_or_else(|_| ObjPath::from(key))
}

/// See [`super::list`].
pub(super) fn list(uri: &S3Uri) -> Result<Listing> {
    let store = store(&uri.bucket)?;
    runtime().block_on(async {
        if !uri.key.is_empty() && !uri.key.ends_with('/') {
            match store.head(&obj_path(&uri.key)).await {
                Ok(meta) => {
                    progress().listed(&uri.to_string(), 1, meta.size);
                    return Ok(Listing::Object(RemoteObject {
                        uri: uri.clone(),
                        size: meta.size,
                        e_tag: meta.e_tag,
                    }));
                }
                // Not an object: a prefix, or a missing bucket (a HEAD has no body to say
                // which; the listing below does).
                Err(object_store::Error::NotFound { .. }) => {}
                // A HEAD's error has no body either: list to learn the reason, and report
                // the HEAD's own failure if the listing works.
                Err(e) => {
                    list_prefix(&store, uri).await?;
                    return Err(remote_error(uri, &e));
                }
            }
        }
        Ok(Listing::Prefix(list_prefix(&store, uri).await?))
    })
}

/// Objects between two progress reports while listing: S3's page size.
const LISTING_REPORT_EVERY: usize = 1_000;

/// Every object under `uri` read as a prefix, in key order. Keys ending in `/` (the empty
/// "folder" objects the console creates) are not files and are left out, as `aws s3 sync`
/// does. Progress is reported at the start, every page of keys, and once at the end.
pub(super) async fn list_prefix(store: &AmazonS3, uri: &S3Uri) -> Result<Vec<RemoteObject>> {
    let prefix = uri.as_prefix();
    let shown = uri.with_key(&prefix).to_string();
    let prefix_path = (!prefix.is_empty()).then(|| obj_path(prefix.trim_end_matches('/')));
    let mut listed = store.list(prefix_path.as_ref());
    let mut out = Vec::new();
    let mut bytes = 0u64;
    let mut seen = 0usize;
    // Before the first page: the first answer may be slow to come.
    progress().listing(&shown, 0, 0);
    while let Some(meta) = listed.next().await {
        let meta = meta.map_err(|e| remote_error(uri, &e))?;
        seen += 1;
        if seen.is_multiple_of(LISTING_REPORT_EVERY) {
            progress().listing(&shown, out.len() as u64, bytes);
        }
        let key = meta.location.as_ref().to_string();
        if key.ends_with('/') {
            continue;
        }
        bytes += meta.size;
        out.push(RemoteObject {
            uri: uri.with_key(&key),
            size: meta.size,
            e_tag: meta.e_tag,
        });
    }
    progress().listed(&shown, out.len() as u64, bytes);
    out.sort_by(|a, b| a.uri.key.cmp(&b.uri.key));
    Ok(out)
}

/// See [`super::download_prefix`]. Objects are streamed to disk one by one (bounded memory).
pub(super) fn download_prefix(uri: &S3Uri) -> Result<tempfile::TempDir> {
    let prefix = uri.with_key(&uri.as_prefix());
    let store = store(&prefix.bucket)?;
    let objects = runtime().block_on(list_prefix(&store, &prefix))?;
    let tmp = tempfile::Builder::new()
        .prefix("bedrock-batch-s3-")
        .tempdir()
        .map_err(|e| Error::write(std::env::temp_dir(), e))?;
    let shown = prefix.to_string();
    let _done = TransferDone(Direction::Download, &shown);
    progress().transfer_start(
        Direction::Download,
        &shown,
        objects.len() as u64,
        objects.iter().map(|o| o.size).sum(),
    );
    for object in &objects {
        let rel = &object.uri.key[prefix.key.len()..];
        let path = tmp.path().join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::write(dir, e))?;
        }
        let mut file = std::fs::File::create(&path).map_err(|e| Error::write(&path, e))?;
        let reader = open(object)?;
        let mut counted = Counted {
            inner: reader,
            object: object.uri.to_string(),
        };
        std::io::copy(&mut counted, &mut file).map_err(|e| Error::Remote {
            uri: object.uri.to_string(),
            message: e.to_string(),
        })?;
    }
    Ok(tmp)
}

/// Reports the end of a transfer when dropped, so a failed one ends too.
pub(super) struct TransferDone<'a>(pub(super) Direction, pub(super) &'a str);

impl Drop for TransferDone<'_> {
    fn drop(&mut self) {
        progress().transfer_done(self.0, self.1);
    }
}

/// A reader that reports the bytes it passes on as downloaded.
struct Counted<R> {
    inner: R,
    object: String,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n > 0 {
            progress().transferred(Direction::Download, &self.object, n as u64);
        }
        Ok(n)
    }
}

/// Fails (with the reason in one line) unless the prefix can be listed: the bucket exists
/// and the credentials may read it. One page of one key is asked for.
pub(super) async fn check_listable(store: &AmazonS3, uri: &S3Uri) -> Result<()> {
    let prefix = uri.as_prefix();
    let prefix_path = (!prefix.is_empty()).then(|| obj_path(prefix.trim_end_matches('/')));
    match store.list(prefix_path.as_ref()).next().await {
        Some(Err(e)) => Err(remote_error(uri, &e)),
        _ => Ok(()),
    }
}

/// Deletes every key in `keys` (best effort is not enough for the caller: errors are
/// returned).
pub(super) async fn delete_keys(store: &AmazonS3, uri: &S3Uri, keys: &[String]) -> Result<()> {
    for key in keys {
        match store.delete(&obj_path(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(remote_error(&uri.with_key(key), &e)),
        }
    }
    Ok(())
}

/// The store of `uri`'s bucket (for uploads).
pub(super) fn store_for(uri: &S3Uri) -> Result<Arc<AmazonS3>> {
    store(&uri.bucket)
}

/// Wraps an `object_store` error about `uri`.
pub(super) fn describe(uri: &S3Uri, e: &object_store::Error) -> Error {
    remote_error(uri, e)
}

/// See [`super::open`].
pub(super) fn open(object: &RemoteObject) -> Result<Box<dyn Read + Send>> {
    let store = store(&object.uri.bucket)?;
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<Bytes>>(QUEUED_RANGES);
    let shown = object.uri.to_string();
    let object = object.clone();
    runtime().spawn(async move {
        let size = object.size;
        let ranges = (0..size.div_ceil(RANGE_BYTES))
            .map(move |i| i * RANGE_BYTES..((i + 1) * RANGE_BYTES).min(size));
        let store = &store;
        let object = &object;
        let mut fetched = futures::stream::iter(ranges)
            .map(|r| fetch_range(store, object, r))
            .buffered(RANGES_IN_FLIGHT);
        while let Some(piece) = fetched.next().await {
            let failed = piece.is_err();
            // A closed channel means the reader was dropped: stop fetching.
            if tx.send(piece).await.is_err() || failed {
                break;
            }
        }
    });
    Ok(Box::new(RangeReader {
        rx,
        current: Bytes::new(),
        shown,
    }))
}

/// One range of an object, retried with backoff and jitter when the transfer breaks off
/// (a dropped connection mid-body is not retried by `object_store` itself). The object's
/// ETag is required to match, so an object replaced while it is read is an error, not a mix
/// of two versions.
async fn fetch_range(
    store: &AmazonS3,
    object: &RemoteObject,
    range: Range<u64>,
) -> std::io::Result<Bytes> {
    let path = obj_path(&object.uri.key);
    let want = range.end - range.start;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let opts = GetOptions {
            range: Some(GetRange::Bounded(range.clone())),
            if_match: object.e_tag.clone(),
            ..Default::default()
        };
        let got = match store.get_opts(&path, opts).await {
            Ok(r) => r.bytes().await,
            Err(e) => Err(e),
        };
        let retryable = match &got {
            Ok(b) if b.len() as u64 == want => return Ok(got.unwrap_or_default()),
            Ok(_) => true,
            Err(
                object_store::Error::NotFound { .. }
                | object_store::Error::Precondition { .. }
                | object_store::Error::PermissionDenied { .. }
                | object_store::Error::Unauthenticated { .. },
            ) => false,
            Err(e) => !chain(e).contains("<Code>"),
        };
        if !retryable || attempt >= RANGE_ATTEMPTS {
            let message = match got {
                Ok(b) => format!(
                    "S3 sent {} bytes for bytes {}-{} ({want} asked for) {attempt} times; try again later",
                    b.len(),
                    range.start,
                    range.end - 1
                ),
                Err(e) => explain(&e, &object.uri.bucket),
            };
            return Err(std::io::Error::other(message));
        }
        tokio::time::sleep(jittered(attempt)).await;
    }
}

/// 200 ms doubling per attempt, times a random factor in [0.5, 1.5).
fn jittered(attempt: u32) -> Duration {
    let base = 200u64 << attempt.min(6);
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos() as u64);
    Duration::from_millis(base / 2 + nanos % base.max(1))
}

/// A blocking reader over the ranges the fetch task sends, in order. Each range is reported
/// as read when the reader takes it.
struct RangeReader {
    rx: tokio::sync::mpsc::Receiver<std::io::Result<Bytes>>,
    current: Bytes,
    /// The object's URI, for progress reports.
    shown: String,
}

impl Read for RangeReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.rx.blocking_recv() {
                None => return Ok(0),
                Some(Ok(b)) => {
                    progress().read(&self.shown, b.len() as u64);
                    self.current = b;
                }
                Some(Err(e)) => return Err(e),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        self.current.advance(n);
        Ok(n)
    }
}
