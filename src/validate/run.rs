//! The engine every command shares: one job's files checked in windows of chunks on a
//! thread pool, and the chunk results merged in input order (line numbers by prefix sum,
//! job-wide duplicate `recordId`s).

use super::ids::{IdKey, IdMap};
use super::*;
use crate::diagnostic::{Diagnostic, Position};
use crate::error::{Error, Result};
use crate::input::{InputFile, Opened, SourceSpec};
use crate::json::{char_column, decode_string_contents};
use crate::models::Catalog;
use crate::quota::QuotaProfile;
use crate::rules::RuleCode;
use crate::scan::{
    check_chunk, chunk_end, BodyCheck, ChunkPlace, ChunkResult, LineRules, LineStatus,
    StreamChunker,
};
use crate::text::shorten;
use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::PathBuf;
use std::sync::Arc;

/// Everything decided before scanning: model, quotas, body check.
pub struct JobSetup {
    /// The model id as given.
    pub model_id: Option<String>,
    /// The family checked.
    pub family: Option<String>,
    /// The quotas in force.
    pub quotas: QuotaProfile,
    /// The compiled body check.
    pub body: Option<Box<dyn BodyCheck>>,
    /// Findings about the model id itself (M009–M012).
    pub model_findings: Vec<Diagnostic>,
}

impl JobSetup {
    /// Resolves the model id and compiles the body check.
    pub fn new(opts: &ValidateOptions) -> Result<JobSetup> {
        let resolution = opts
            .model_id
            .as_deref()
            .map(|id| Catalog::embedded().resolve(id));
        let quotas = resolution
            .as_ref()
            .map_or(Catalog::embedded().default_quotas, |r| r.quotas())
            .with(&opts.quota_overrides);
        let body = crate::schema::body_check_for(
            resolution.as_ref(),
            crate::schema::BodySpec {
                invocation_type: opts.invocation_type,
                schema: opts.schema.as_deref(),
                input_s3_uri: opts.input_s3_uri.as_deref(),
            },
        )?;
        Ok(JobSetup {
            model_id: opts.model_id.clone(),
            family: body.family,
            quotas,
            body: body.check,
            model_findings: body.model_findings,
        })
    }
}

/// Called with each chunk (file index, the chunk's bytes, its result) after its merge, for
/// commands that write lines out (`shard`, `fix`).
/// The sink's error type is the caller's own (`shard` stops with a `ShardError`); the run's
/// own errors reach it through `From<Error>`.
pub type ChunkSink<'s, E = Error> =
    dyn FnMut(u32, &[u8], &ChunkResult) -> std::result::Result<(), E> + Send + 's;

/// Called with each input as the engine opens it, before its first chunk (file index, the
/// file, how it was opened), for commands that read the input again after the scan: `shard`
/// keeps the map for its copy pass, so each input is opened and mapped once.
pub type OpenSink<'s> = dyn FnMut(u32, &InputFile, &Opened) -> Result<()> + Send + 's;

/// Called with each listed finding, in report order, as soon as it is final: when the job is
/// done ([`JobRun::try_finish`]), since which findings are listed depends on the whole job
/// (the most severe first). Used to stream reports job by job (`--format jsonl`).
pub type FindingSink<'s> = dyn FnMut(&Diagnostic) -> Result<()> + Send + 's;

/// The worker threads of a run: `threads` of them (0: one per core).
pub fn thread_pool(threads: usize) -> Arc<rayon::ThreadPool> {
    Arc::new(
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("bedrock-batch-{i}"))
            .build()
            .expect("a thread pool can be built"),
    )
}

/// A validation in progress: merges chunk results in order.
pub struct JobRun<'o> {
    pub(super) opts: &'o ValidateOptions,
    pub(super) setup: &'o JobSetup,
    pub(super) pool: Arc<rayon::ThreadPool>,
    pub(super) want_line_status: bool,
    pub(super) collector: Collector,
    /// The first place of every distinct `recordId`.
    pub(super) first_ids: IdMap,
    pub(super) files: Vec<FileSummary>,
    /// Display paths of every input, by index.
    pub(super) paths: Vec<Arc<str>>,
    pub(super) totals: (u64, u64),
    pub(super) finding_sink: Option<Box<FindingSink<'o>>>,
    pub(super) open_sink: Option<Box<OpenSink<'o>>>,
    /// Files found not to hold JSON lines (F004), whose record counts are not known.
    pub(super) not_jsonl_files: usize,
}

impl<'o> JobRun<'o> {
    /// A run with the options and setup of one job, on a thread pool of its own.
    pub fn new(opts: &'o ValidateOptions, setup: &'o JobSetup) -> Self {
        Self::with_pool(opts, setup, thread_pool(opts.threads))
    }

    /// A run with the options and setup of one job, on `pool` (shared by the jobs of one
    /// run, so that `--group file` over thousands of files does not start thousands of
    /// pools).
    pub fn with_pool(
        opts: &'o ValidateOptions,
        setup: &'o JobSetup,
        pool: Arc<rayon::ThreadPool>,
    ) -> Self {
        JobRun {
            opts,
            setup,
            pool,
            want_line_status: false,
            collector: Collector::new(opts.max_diagnostics),
            first_ids: IdMap::new(),
            files: Vec::new(),
            paths: Vec::new(),
            totals: (0, 0),
            finding_sink: None,
            open_sink: None,
            not_jsonl_files: 0,
        }
    }

    /// Hands every listed finding to `sink` as soon as it is final (see [`FindingSink`]).
    /// The findings given are exactly the report's `diagnostics`, in the same order.
    pub fn with_finding_sink(mut self, sink: Box<FindingSink<'o>>) -> Self {
        self.finding_sink = Some(sink);
        self
    }

    /// Shows every input to `sink` as it is opened (see [`OpenSink`]).
    pub fn with_open_sink(mut self, sink: Box<OpenSink<'o>>) -> Self {
        self.open_sink = Some(sink);
        self
    }

    /// Asks for a [`LineStatus`] per line in every [`ChunkResult`].
    pub fn with_line_status(mut self) -> Self {
        self.want_line_status = true;
        self
    }

    /// Scans every non-stray file, calling `sink` after each chunk is merged.
    pub fn scan_all(
        &mut self,
        files: &[InputFile],
        progress: &dyn Progress,
        sink: &mut ChunkSink<'_>,
    ) -> Result<()> {
        self.scan_all_with(files, progress, sink)
    }

    /// [`JobRun::scan_all`] with a sink that stops the scan with an error of its caller's
    /// own type, which comes back unchanged (the run's own errors are converted into it).
    pub fn scan_all_with<E: From<Error>>(
        &mut self,
        files: &[InputFile],
        progress: &dyn Progress,
        sink: &mut ChunkSink<'_, E>,
    ) -> std::result::Result<(), E> {
        progress.start(total_bytes(files));
        self.paths = files.iter().map(|f| f.display.clone()).collect();
        for (index, file) in files.iter().enumerate() {
            if file.is_stray {
                // Reported here, in path order, so streamed findings stay in report order.
                self.push_stray(index as u32, file);
            } else {
                self.scan_file(index as u32, file, progress, sink)?;
            }
        }
        progress.finish();
        Ok(())
    }

    pub(super) fn push_stray(&mut self, index: u32, file: &InputFile) {
        self.push_finding(Diagnostic {
            code: RuleCode::F003,
            file: Some(index),
            path: Some(file.display.clone()),
            position: None,
            pointer: None,
            message: format!(
                "\"{}\" is not a .jsonl file but sits in the input folder; everything under the S3 prefix is read (move it out, unless records reference it)",
                file.display
            ),
        });
    }

    pub(super) fn scan_file<E: From<Error>>(
        &mut self,
        index: u32,
        file: &InputFile,
        progress: &dyn Progress,
        sink: &mut ChunkSink<'_, E>,
    ) -> std::result::Result<(), E> {
        let mut acc = FileAcc::default();
        let (opts, setup): (&'o ValidateOptions, &'o JobSetup) = (self.opts, self.setup);
        // Chunks per window. Workers wait for the slowest chunk at the end of each window, so
        // more chunks per window waste less; mapped chunks cost no memory while they wait,
        // read ones (streams) hold their bytes, which bounds their window: two windows of two
        // 2 MiB chunks per thread are 8 MiB per thread (four chunks per thread were 16 MiB,
        // most of `--no-mmap`'s peak RSS beyond the id map; the pipeline keeps the pool a
        // window ahead, so the smaller window costs no measurable time).
        let threads = self.pool.current_num_threads();
        let (mapped_window, read_window) = (threads * 16, threads * 2);
        let chunk_size = opts.chunk_size;
        let want_line_status = self.want_line_status;
        let rules = LineRules {
            rules: &opts.rules,
            max_diagnostics: opts.max_diagnostics,
            body: setup.body.as_deref(),
        };
        let place = |base: u64, is_first: bool, is_last: bool| ChunkPlace {
            file: index,
            path: file.display.clone(),
            base,
            is_first,
            is_last,
            want_line_status,
        };
        let sniffing = opts.rules.is_enabled(RuleCode::F004);
        let opened = file.open(opts.mmap)?;
        if let Some(sink) = self.open_sink.as_mut() {
            sink(index, file, &opened)?;
        }
        match opened {
            Opened::Empty => {}
            Opened::Mapped(map) => {
                let data: &[u8] = &map;
                if sniffing {
                    let head = &data[..data.len().min(content::HEAD_BYTES)];
                    acc.not_jsonl = content::sniff(head, head.len() == data.len());
                }
                let mut start = 0;
                let next_window = || -> Result<Vec<Piece<&[u8]>>> {
                    let mut pieces = Vec::with_capacity(mapped_window);
                    while pieces.len() < mapped_window && start < data.len() {
                        let end = chunk_end(data, start, chunk_size);
                        pieces.push(Piece {
                            base: start as u64,
                            is_first: start == 0,
                            is_last: end == data.len(),
                            bytes: &data[start..end],
                        });
                        start = end;
                    }
                    Ok(pieces)
                };
                // Fill each chunk's page tables in one call on the worker that reads it,
                // instead of one page fault per few pages (Linux 5.14+; elsewhere a no-op).
                let prefetch = |base: u64, len: usize| {
                    #[cfg(target_os = "linux")]
                    let _ = map.advise_range(memmap2::Advice::PopulateRead, base as usize, len);
                    #[cfg(not(target_os = "linux"))]
                    let _ = (base, len);
                };
                self.reserve_ids(data.len() as u64);
                self.pipeline(
                    index,
                    file,
                    &mut acc,
                    &rules,
                    &place,
                    &prefetch,
                    next_window,
                    progress,
                    sink,
                )?;
            }
            Opened::Stream(mut reader) => {
                let path = match &file.source {
                    SourceSpec::Path(p) => p.clone(),
                    SourceSpec::Stdin => PathBuf::from("-"),
                    SourceSpec::Remote(_) => PathBuf::from(&*file.display),
                };
                if sniffing {
                    // The same head as a mapped file's, so the judgement never depends on how
                    // the file is read; then the stream goes on from its start.
                    let mut head = Vec::with_capacity(content::HEAD_BYTES);
                    (&mut reader)
                        .take(content::HEAD_BYTES as u64 + 1)
                        .read_to_end(&mut head)
                        .map_err(|e| Error::io(&path, e))?;
                    let is_all = head.len() <= content::HEAD_BYTES;
                    acc.not_jsonl =
                        content::sniff(&head[..head.len().min(content::HEAD_BYTES)], is_all);
                    reader = Box::new(std::io::Cursor::new(head).chain(reader));
                }
                let mut chunker = StreamChunker::new(reader, chunk_size);
                let mut base = 0u64;
                let mut pending = chunker.next_chunk().map_err(|e| Error::io(&path, e))?;
                let mut is_first = true;
                let next_window = || -> Result<Vec<Piece<Vec<u8>>>> {
                    let mut pieces = Vec::with_capacity(read_window);
                    while pieces.len() < read_window {
                        let Some(buf) = pending.take() else { break };
                        pending = chunker.next_chunk().map_err(|e| Error::io(&path, e))?;
                        let len = buf.len() as u64;
                        pieces.push(Piece {
                            base,
                            is_first,
                            is_last: pending.is_none(),
                            bytes: buf,
                        });
                        base += len;
                        is_first = false;
                    }
                    Ok(pieces)
                };
                self.pipeline(
                    index,
                    file,
                    &mut acc,
                    &rules,
                    &place,
                    &|_, _| {},
                    next_window,
                    progress,
                    sink,
                )?;
            }
        }
        self.finish_file(index, file, acc);
        Ok(())
    }

    /// Checks chunks on the pool and merges their results in order on this thread, as soon as
    /// each one's predecessors are merged (the merge is sequential by nature: line numbers and
    /// first places of ids depend on everything before). There is no barrier: the pool is
    /// kept one window ahead of the merge, so no worker waits for the slowest chunk of a
    /// window, and at most two windows of chunks are held at once.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn pipeline<B: AsRef<[u8]> + Send + Sync, E: From<Error>>(
        &mut self,
        index: u32,
        file: &InputFile,
        acc: &mut FileAcc,
        rules: &LineRules<'_>,
        place: &(dyn Fn(u64, bool, bool) -> ChunkPlace + Sync),
        prefetch: &(dyn Fn(u64, usize) + Sync),
        mut next_window: impl FnMut() -> Result<Vec<Piece<B>>>,
        progress: &dyn Progress,
        sink: &mut ChunkSink<'_, E>,
    ) -> std::result::Result<(), E> {
        type Checked = std::thread::Result<ChunkResult>;
        let pool = self.pool.clone();
        let (tx, rx) = std::sync::mpsc::channel::<(usize, Checked)>();
        pool.in_place_scope_fifo(|scope| -> std::result::Result<(), E> {
            // Pieces sent to the pool and not merged yet, oldest first; results that arrived
            // before their predecessors'.
            let mut queue: std::collections::VecDeque<Arc<Piece<B>>> = Default::default();
            let mut early: BTreeMap<usize, Checked> = BTreeMap::new();
            let (mut sent, mut merged) = (0usize, 0usize);
            let mut window = 1;
            let mut exhausted = false;
            loop {
                while !exhausted && queue.len() < window {
                    let batch = next_window()?;
                    exhausted = batch.is_empty();
                    window = window.max(batch.len());
                    for piece in batch {
                        let piece = Arc::new(piece);
                        queue.push_back(piece.clone());
                        let (tx, k) = (tx.clone(), sent);
                        sent += 1;
                        scope.spawn_fifo(move |_| {
                            // A panic is carried to the merging thread, which would otherwise
                            // wait for this result forever.
                            let checked =
                                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                                    let bytes = piece.bytes.as_ref();
                                    prefetch(piece.base, bytes.len());
                                    let at = place(piece.base, piece.is_first, piece.is_last);
                                    check_chunk(rules, &at, bytes)
                                }));
                            // The receiver outlives every task of the scope.
                            let _ = tx.send((k, checked));
                        });
                    }
                }
                let Some(piece) = queue.pop_front() else {
                    return Ok(());
                };
                let checked = loop {
                    if let Some(checked) = early.remove(&merged) {
                        break checked;
                    }
                    let (k, checked) = rx.recv().expect("every sent chunk reports");
                    early.insert(k, checked);
                };
                let result = checked.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                let bytes = piece.bytes.as_ref();
                self.merge(index, file, acc, bytes, piece.base, result, sink)?;
                progress.advance(bytes.len() as u64);
                merged += 1;
            }
        })
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn merge<E: From<Error>>(
        &mut self,
        index: u32,
        file: &InputFile,
        acc: &mut FileAcc,
        chunk: &[u8],
        base: u64,
        mut result: ChunkResult,
        sink: &mut ChunkSink<'_, E>,
    ) -> std::result::Result<(), E> {
        let line_base = acc.lines;
        for d in &mut result.diagnostics {
            if let Some(p) = d.position.as_mut() {
                p.line += line_base;
            }
        }
        if let Some(d) = result.first_validating.as_mut() {
            if let Some(p) = d.position.as_mut() {
                p.line += line_base;
            }
        }
        acc.lines += result.newlines;
        acc.records += result.records;
        acc.bytes += chunk.len() as u64;
        if acc.not_jsonl.is_some() {
            // The file is not JSON lines (F004, reported with the file): its lines' findings
            // would only repeat that, thousands of times. Records are still counted, as the
            // service would count lines.
            return sink(index, chunk, &result);
        }
        if let Some(mut d) = result.first_odd_id.take() {
            if acc.first_odd_id.is_none() {
                if let Some(p) = d.position.as_mut() {
                    p.line += line_base;
                }
                acc.first_odd_id = Some(d);
            }
        }
        acc.odd_ids += result.odd_ids;
        if let Some(p) = result.first_crlf {
            acc.first_crlf.get_or_insert(Position {
                line: p.line + line_base,
                ..p
            });
        }
        acc.crlf += result.crlf;
        self.collector
            .absorb(&result.counts, result.first_validating.take());
        let mut own = std::mem::take(&mut result.diagnostics);
        let dup_enabled = self.opts.rules.is_enabled(RuleCode::R006);
        let mut marked_invalid = Vec::new();
        // Ids land anywhere in the map, so ask for each one's slot a few ids ahead.
        const AHEAD: usize = 8;
        for id in result.ids.iter().take(AHEAD) {
            self.first_ids.prefetch(IdKey::new(id.hash));
        }
        for (k, id) in result.ids.iter().enumerate() {
            if let Some(ahead) = result.ids.get(k + AHEAD) {
                self.first_ids.prefetch(IdKey::new(ahead.hash));
            }
            let line = line_base + id.rel_line + 1;
            let Some((first_file, first_line)) =
                self.first_ids
                    .first_or_insert(IdKey::new(id.hash), index, line)
            else {
                continue;
            };
            if !dup_enabled {
                continue;
            }
            let text = decode_string_contents(&chunk[id.span.0 + 1..id.span.1 - 1], id.escaped);
            marked_invalid.push(k);
            let col = char_column(&chunk[id.line_start..], id.span.0 - id.line_start);
            let first_path = self.path_of(first_file);
            let d = Diagnostic {
                code: RuleCode::R006,
                file: Some(index),
                path: Some(file.display.clone()),
                position: Some(Position {
                    line,
                    column: col,
                    byte_offset: base + id.span.0 as u64,
                }),
                pointer: Some("/recordId".into()),
                message: format!(
                    "recordId \"{}\" is already used at {}:{}",
                    shorten(&text, 60),
                    first_path,
                    first_line
                ),
            };
            self.collector.count(RuleCode::R006, None);
            own.push(d);
        }
        if !marked_invalid.is_empty() && !result.line_status.is_empty() {
            // A duplicate id is an error of its record; commands that rewrite input treat
            // the record as invalid. Map id order back to line order.
            let dup_lines: Vec<u64> = marked_invalid
                .iter()
                .map(|&k| result.ids[k].rel_line)
                .collect();
            for rel in dup_lines {
                if let Some(s) = result.line_status.get_mut(rel as usize) {
                    if *s == LineStatus::Valid {
                        *s = LineStatus::Invalid;
                    }
                }
            }
        }
        own.sort_by_key(Diagnostic::sort_key);
        self.collector.extend(own);
        sink(index, chunk, &result)
    }

    /// Sizes the id map for a file of `bytes` (about 1 KB per record is typical), so it does
    /// not rehash again and again while it grows.
    pub(super) fn reserve_ids(&mut self, bytes: u64) {
        if self.opts.rules.is_enabled(RuleCode::R006) {
            self.first_ids.reserve((bytes / 1024).min(1 << 26) as usize);
        }
    }

    pub(super) fn path_of(&self, file: u32) -> Arc<str> {
        self.paths[file as usize].clone()
    }
}

/// A chunk of a window: its bytes (borrowed from a map, or owned from a stream) and place.
pub(super) struct Piece<B> {
    pub(super) base: u64,
    pub(super) is_first: bool,
    pub(super) is_last: bool,
    pub(super) bytes: B,
}
