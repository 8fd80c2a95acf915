"""Validate a batch too big for one machine with Spark (AWS Glue, EMR, Databricks): the same
findings as ``bedrock-batch validate`` on the same files, computed as a map over files and a
reduce for the rules that span files.

Shape of the work:

* **map, one file per task** (:func:`check_file`, run on executors): the bundled binary checks
  the file's bytes as a job of one file, with the job-level rules switched off (``R006`` and the
  per-job quotas), and the file's ``recordId`` s are read off its lines with their places.
* **reduce** (on the cluster, then the driver): duplicate ``recordId`` s across all files
  (a window over the ids, ordered by path and line, as the CLI meets them), then the per-job
  quotas over the summed records and bytes, then one report in the CLI's order
  (:func:`merge`).

Why not ``spark.read.text``: it turns files into rows of lines spread over partitions with no
file name or line number, so a finding could not say ``part-7.jsonl:5012``, the per-file quotas
(``Q001``/``Q002``) and file checks (BOM, CRLF, final newline) have no file to judge, and a
split file is judged in pieces. Each row here is a whole file (``binaryFile``) or a key the
executor reads itself.

Two entry points:

* :func:`validate_files` — ``spark.read.format("binaryFile")`` over a folder or prefix; Spark
  reads each file into one row (at most 2 GB per file, above Bedrock's 1 GB file quota).
* :func:`validate_keys` — a DataFrame of paths or ``s3://`` keys; each executor opens its keys
  itself (``opener``), so no file passes through Spark's Arrow batches.

pyspark and pyarrow are needed only here, and only when these functions are called.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from typing import (
    IO,
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    Iterable,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Set,
    Tuple,
    Union,
)

from . import _api
from ._api import Error, FailOn, InvocationType, PathLike, Size, _document, _job_flags, _run
from ._report import Report

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow
    from pyspark.sql import DataFrame, SparkSession

#: Rules over the whole job, recomputed by the reduce (R006 is cross-file; the rest count or
#: size the job).
JOB_RULES = ("F002", "Q003", "Q004", "Q005")
_HUGE = 10**15
_BOM = b"\xef\xbb\xbf"
# The common line shape: `{"recordId": "ASCII without escapes", ...`. Only taken when the line
# holds no second "recordId" key (the CLI keeps the last one).
_FAST_ID = re.compile(rb'[ \t]*\{[ \t]*"recordId"[ \t]*:[ \t]*"([\x20-\x21\x23-\x5b\x5d-\x7e]*)"')
_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
# Executors read files in pieces of this size when they open them themselves.
_PIECE = 1 << 20
_OUTPUT_SCHEMA = "path string, report string, ids array<struct<id:string,line:bigint,column:bigint,offset:bigint>>"


@dataclass(frozen=True)
class Options:
    """The options of one validation, as the CLI flags of the same name. ``schema`` must be a
    path that exists on every executor."""

    model_id: Optional[str] = None
    invocation_type: Optional[InvocationType] = None
    schema: Optional[str] = None
    min_records_per_job: Optional[int] = None
    max_records_per_file: Optional[int] = None
    max_records_per_job: Optional[int] = None
    max_file_bytes: Optional[Size] = None
    max_job_bytes: Optional[Size] = None
    max_diagnostics: int = 1000
    fail_on: FailOn = "error"


@dataclass(frozen=True)
class RecordId:
    """Where a ``recordId`` is: 1-based line and character column of its value, byte offset."""

    id: str
    line: int
    column: int
    offset: int


@dataclass
class FileCheck:
    """The map side's result for one file: the CLI's report on it alone (job rules off) and its
    record ids."""

    path: str
    report: Dict[str, Any]
    ids: List[RecordId] = field(default_factory=list)


def display_name(path: str) -> str:
    """The name the CLI would show for a path Spark reports: ``file:`` URIs become plain paths,
    ``s3a://``/``s3n://`` become ``s3://``."""
    if path.startswith("file://"):
        return path[len("file://") :]
    if path.startswith("file:"):
        return path[len("file:") :]
    for scheme in ("s3a://", "s3n://"):
        if path.startswith(scheme):
            return "s3://" + path[len(scheme) :]
    return path


def _slow_record_id(text: str) -> Optional[Tuple[str, int]]:
    """(recordId, index of its value's opening quote) of a line that is one JSON object: the
    last top-level ``recordId`` member, if it is a non-empty string (what the CLI registers)."""
    try:
        i = _WS.match(text, 0).end()  # type: ignore[union-attr]
        if text[i : i + 1] != "{":
            return None
        i = _WS.match(text, i + 1).end()  # type: ignore[union-attr]
        found: Optional[Tuple[Any, int]] = None
        if text[i : i + 1] == "}":
            return None
        while True:
            if text[i : i + 1] != '"':
                return None
            key, i = json.decoder.scanstring(text, i + 1)  # type: ignore[attr-defined]
            i = _WS.match(text, i).end()  # type: ignore[union-attr]
            if text[i : i + 1] != ":":
                return None
            start = _WS.match(text, i + 1).end()  # type: ignore[union-attr]
            value, i = _DECODER.raw_decode(text, start)
            if key == "recordId":
                found = (value, start)
            i = _WS.match(text, i).end()  # type: ignore[union-attr]
            c = text[i : i + 1]
            if c == ",":
                i = _WS.match(text, i + 1).end()  # type: ignore[union-attr]
                continue
            if c == "}":
                break
            return None
    except (ValueError, RecursionError):
        return None
    if found is not None and isinstance(found[0], str) and found[0]:
        return found
    return None


class _IdReader:
    """Reads ``recordId`` s off the lines of a file as its bytes go by."""

    def __init__(self) -> None:
        self.ids: List[RecordId] = []
        self._tail = b""
        self._line = 1
        self._offset = 0  # byte offset of the start of the pending line

    def feed(self, piece: bytes) -> None:
        data = self._tail + piece if self._tail else piece
        start = 0
        while True:
            end = data.find(b"\n", start)
            if end < 0:
                break
            self._take(data[start:end])
            self._offset += end + 1 - start
            self._line += 1
            start = end + 1
        self._tail = data[start:]

    def finish(self) -> List[RecordId]:
        if self._tail:
            self._take(self._tail)
            self._tail = b""
        return self.ids

    def _take(self, line: bytes) -> None:
        skip = 0
        if self._line == 1 and line.startswith(_BOM):
            skip = len(_BOM)
            line = line[skip:]
        m = _FAST_ID.match(line)
        if m is not None and line.count(b'"recordId"') == 1:
            if m.end(1) > m.start(1):
                # ASCII up to the value: the character column is the byte column.
                self.ids.append(
                    RecordId(m.group(1).decode("ascii"), self._line, m.start(1), self._offset + skip + m.start(1) - 1)
                )
            return
        if b'"' not in line:
            return
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            return  # L002: the CLI registers no id on it
        hit = _slow_record_id(text)
        if hit is not None:
            rid, at = hit
            self.ids.append(RecordId(rid, self._line, at + 1, self._offset + skip + len(text[:at].encode("utf-8"))))


def _map_flags(opts: Options) -> List[str]:
    """The CLI flags of the map side: the user's options with the job rules switched off."""
    flags = ["validate", "--format", "json", "--no-progress", "--color", "never", "--no-config", "--ignore", "R006"]
    flags += _job_flags(
        model_id=opts.model_id,
        invocation_type=opts.invocation_type,
        schema=opts.schema,
        min_records_per_job=0,
        max_records_per_file=opts.max_records_per_file,
        max_records_per_job=_HUGE,
        max_file_bytes=opts.max_file_bytes,
        max_job_bytes=_HUGE,
        max_diagnostics=opts.max_diagnostics,
        threads=None,
        no_mmap=False,
        stdin_filename=None,
    )
    return flags


def check_file(
    name: str,
    data: Union[bytes, Iterable[bytes]],
    options: Options = Options(),
    reopen: Optional[Callable[[], Iterable[bytes]]] = None,
) -> FileCheck:
    """The map side for one file: runs the bundled binary on ``data`` (the file's bytes, whole
    or in pieces) named ``name``, and reads its record ids. Runs anywhere the wheel is
    installed (a Spark executor, a Ray or Dask worker, a thread pool).

    When the file has more findings than ``options.max_diagnostics``, which of its lines are
    JSON objects is learnt from a second run over the bytes (``data`` again when it is bytes,
    else ``reopen()``).
    """
    reader = _IdReader()
    whole = isinstance(data, (bytes, bytearray, memoryview))
    pieces: Iterable[bytes] = [bytes(data)] if isinstance(data, (bytes, bytearray, memoryview)) else data

    def feed() -> Iterator[bytes]:
        for piece in pieces:
            piece = bytes(piece)
            reader.feed(piece)
            yield piece

    args = _map_flags(options) + ["--stdin-filename", name, "--", "-"]
    code, out, err = _run(args, stdin=feed())
    report = _document(code, out, err)
    ids = reader.finish()
    if not report["summary"].get("diagnostics_truncated"):
        bad = {d["line"] for d in report["diagnostics"] if d["code"] in _NOT_AN_OBJECT}
    else:
        again: Iterable[bytes]
        if whole:
            again = [bytes(data)]  # type: ignore[arg-type]
        elif reopen is not None:
            again = reopen()
        else:
            raise Error(
                f"bedrock-batch: error: {name} has more findings than max_diagnostics "
                f"({options.max_diagnostics}); pass its bytes or a reopen callable to check its record ids"
            )
        bad = _unparsed_lines(name, again, options)
    # The CLI registers no recordId on a line that is not a JSON object.
    if bad:
        ids = [r for r in ids if r.line not in bad]
    return FileCheck(name, report, ids)


_NOT_AN_OBJECT = ("L001", "L002", "L007")


def _unparsed_lines(name: str, data: Iterable[bytes], options: Options) -> Set[int]:
    """Lines of a file that are not JSON objects, every one of them (a run listing only
    L001/L002/L007, uncapped)."""
    args = _map_flags(replace(options, max_diagnostics=_HUGE)) + [
        "--select", ",".join(_NOT_AN_OBJECT), "--stdin-filename", name, "--", "-",
    ]
    code, out, err = _run(args, stdin=(bytes(p) for p in data))
    return {d["line"] for d in _document(code, out, err)["diagnostics"] if d["code"] in _NOT_AN_OBJECT}


def _opener_default(path: str) -> IO[bytes]:
    if path.startswith(("s3://", "s3a://", "s3n://")):
        import boto3

        bucket, _, key = path.split("://", 1)[1].partition("/")
        return boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"]  # type: ignore[no-any-return]
    return open(path, "rb")


def _pieces(f: IO[bytes]) -> Iterator[bytes]:
    with f:
        while True:
            piece = f.read(_PIECE)
            if not piece:
                return
            yield piece


def _arrow_rows(checks: Iterable[FileCheck]) -> "pyarrow.RecordBatch":
    import pyarrow as pa

    checks = list(checks)
    return pa.RecordBatch.from_pydict(
        {
            "path": [c.path for c in checks],
            "report": [json.dumps(c.report) for c in checks],
            "ids": [[{"id": r.id, "line": r.line, "column": r.column, "offset": r.offset} for r in c.ids] for c in checks],
        },
        schema=pa.schema(
            [
                ("path", pa.string()),
                ("report", pa.string()),
                (
                    "ids",
                    pa.list_(
                        pa.struct(
                            [("id", pa.string()), ("line", pa.int64()), ("column", pa.int64()), ("offset", pa.int64())]
                        )
                    ),
                ),
            ]
        ),
    )


def _check_contents(options: Options, display: Callable[[str], str]) -> Callable[[Iterator["pyarrow.RecordBatch"]], Iterator["pyarrow.RecordBatch"]]:
    """mapInArrow function over ``binaryFile`` rows (path, content)."""

    def run(batches: Iterator["pyarrow.RecordBatch"]) -> Iterator["pyarrow.RecordBatch"]:
        for batch in batches:
            paths = batch.column("path").to_pylist()
            contents = batch.column("content")
            yield _arrow_rows(
                check_file(display(p), contents[i].as_py(), options) for i, p in enumerate(paths)
            )

    return run


def _check_key(
    key: str, options: Options, display: Callable[[str], str], opener: Callable[[str], IO[bytes]]
) -> FileCheck:
    def reopen() -> Iterator[bytes]:
        return _pieces(opener(key))

    return check_file(display(key), reopen(), options, reopen=reopen)


def _check_keys(
    options: Options, display: Callable[[str], str], opener: Callable[[str], IO[bytes]]
) -> Callable[[Iterator["pyarrow.RecordBatch"]], Iterator["pyarrow.RecordBatch"]]:
    """mapInArrow function over rows of keys (path): each executor opens its keys."""

    def run(batches: Iterator["pyarrow.RecordBatch"]) -> Iterator["pyarrow.RecordBatch"]:
        for batch in batches:
            yield _arrow_rows(_check_key(p, options, display, opener) for p in batch.column("path").to_pylist())

    return run


@dataclass(frozen=True)
class Duplicate:
    """A ``recordId`` met again: where, and where it was first used (reduce output)."""

    id: str
    path: str
    line: int
    column: int
    offset: int
    first_path: str
    first_line: int


def _shorten(s: str, limit: int) -> str:
    return s if len(s) <= limit else s[:limit] + "…"


def _digits(n: int) -> str:
    return f"{n:,}"


def _human_bytes(n: int) -> str:
    """Sizes as the CLI writes them (SI units, one decimal)."""
    if n < 1000:
        return f"{n} B"
    units = ["kB", "MB", "GB", "TB", "PB", "EB"]
    k = 0
    v = n / 1000
    while v >= 1000 and k < len(units) - 1:
        k += 1
        v = n / 1000 ** (k + 1)
    return f"{v:.1f} {units[k]}"


def _rule(code: str, message: str, *, path: Optional[str] = None, line: Optional[int] = None,
          column: Optional[int] = None, offset: Optional[int] = None, pointer: Optional[str] = None) -> Dict[str, Any]:
    name, severity, phase = _RULES[code]
    return {"code": code, "name": name, "severity": severity, "phase": phase, "path": path, "line": line,
            "column": column, "byte_offset": offset, "pointer": pointer, "message": message}


_RULES = {
    "R006": ("duplicate-record-id", "error", "inference"),
    "F002": ("no-input-records", "error", "validating"),
    "Q003": ("job-too-large", "error", "validating"),
    "Q004": ("job-has-too-many-records", "error", "validating"),
    "Q005": ("job-has-too-few-records", "error", "validating"),
}


def _job_findings(files: int, records: int, size: int, q: Mapping[str, int]) -> List[Dict[str, Any]]:
    """The CLI's job-level quota findings, in its order and words."""
    out = []
    if files == 0:
        out.append(_rule("F002", "the job has no .jsonl file; the service needs at least one"))
    elif records == 0:
        one = files == 1
        out.append(_rule("F002", f"the job's {files} file{'' if one else 's'} hold{'s' if one else ''} no record"))
    if size > q["max_job_bytes"]:
        out.append(_rule("Q003", (
            f"the job's files total {_human_bytes(size)} ({_digits(size)} bytes), over the job quota of "
            f"{_human_bytes(q['max_job_bytes'])} ({_digits(q['max_job_bytes'])} bytes) by "
            f"{_digits(size - q['max_job_bytes'])} bytes; split it into several jobs with `bedrock-batch shard`")))
    if records > q["max_records_per_job"]:
        out.append(_rule("Q004", (
            f"the job has {_digits(records)} records, over the per-job quota of {_digits(q['max_records_per_job'])} "
            f"by {_digits(records - q['max_records_per_job'])}; split it into several jobs with `bedrock-batch shard`")))
    if records < q["min_records_per_job"]:
        out.append(_rule("Q005", (
            f"the job has {_digits(records)} record{'' if records == 1 else 's'}, "
            f"{_digits(q['min_records_per_job'] - records)} short of the model's minimum of "
            f"{_digits(q['min_records_per_job'])} per job; add records or use on-demand inference")))
    return out


def _headline(d: Mapping[str, Any]) -> str:
    s = f"{d['code']} {d['name']}"
    if d.get("path") is not None:
        s += f" at {d['path']}"
        if d.get("line") is not None:
            s += f":{d['line']}:{d['column']}"
    return f"{s}: {d['message']}"


def _located(verdict_message: str) -> bool:
    """Whether a verdict headline names a place (``CODE name at path...``), not the job."""
    return " at " in verdict_message.split(": ", 1)[0]


def job_setup(options: Options) -> Dict[str, Any]:
    """The driver's view of the job: the CLI's report on no records with the user's options,
    which carries the quota profile, model, family and the model-level findings."""
    return _api.validate_records(
        [],
        model_id=options.model_id,
        invocation_type=options.invocation_type,
        schema=options.schema,
        min_records_per_job=options.min_records_per_job,
        max_records_per_file=options.max_records_per_file,
        max_records_per_job=options.max_records_per_job,
        max_file_bytes=options.max_file_bytes,
        max_job_bytes=options.max_job_bytes,
        no_config=True,
    ).raw


def merge(
    setup: Mapping[str, Any],
    files: Sequence[Tuple[str, Mapping[str, Any]]],
    duplicates: Sequence[Duplicate],
    duplicate_count: int,
    options: Options = Options(),
) -> Report:
    """The reduce's last step, on the driver: one report, in the CLI's order and words, from
    the per-file reports (``(path, report)``), the duplicate ids (the first
    ``max_diagnostics`` by path and offset, and how many there are) and :func:`job_setup`."""
    cap = options.max_diagnostics
    files = sorted(files, key=lambda f: f[0].encode("utf-8"))
    rank = {path: i for i, (path, _) in enumerate(files)}
    model_level = [d for d in setup["diagnostics"] if d["path"] is None and d["code"] not in JOB_RULES]
    by_code: Dict[str, int] = {}
    sev = {"error": 0, "warning": 0, "info": 0}
    listed: List[Tuple[Tuple[int, int, int], Dict[str, Any]]] = []
    records = size = 0
    verdict: Optional[str] = None

    def count(d: Mapping[str, Any], n: int = 1) -> None:
        by_code[d["code"]] = by_code.get(d["code"], 0) + n
        sev[d["severity"]] += n

    for path, rep in files:
        s = rep["summary"]
        records += s["records"]
        size += s["bytes"]
        codes = dict(s["by_code"])
        errors, warnings, infos = s["errors"], s["warnings"], s["infos"]
        # Each file's run also made the job-level findings: model-level ones once, F002 when
        # the file is empty. The reduce makes them once for the job.
        for d in model_level:
            if codes.get(d["code"]):
                codes[d["code"]] -= 1
                errors -= d["severity"] == "error"
                warnings -= d["severity"] == "warning"
                infos -= d["severity"] == "info"
        errors -= codes.pop("F002", 0)
        for code, n in codes.items():
            if n:
                by_code[code] = by_code.get(code, 0) + n
        sev["error"] += errors
        sev["warning"] += warnings
        sev["info"] += infos
        for d in rep["diagnostics"]:
            if d["path"] is None:
                continue
            key = d["byte_offset"] + 1 if d.get("byte_offset") is not None else 0
            listed.append(((rank[path], key, 0), dict(d)))
        msg = rep["verdict"]["message"]
        if verdict is None and rep["verdict"]["status"] == "Failed" and msg and _located(msg):
            verdict = msg
    for dup in duplicates:
        d = _rule(
            "R006",
            f'recordId "{_shorten(dup.id, 60)}" is already used at {dup.first_path}:{dup.first_line}',
            path=dup.path, line=dup.line, column=dup.column, offset=dup.offset, pointer="/recordId",
        )
        listed.append(((rank[dup.path], dup.offset + 1, 1), d))
    if duplicate_count:
        by_code["R006"] = by_code.get("R006", 0) + duplicate_count
        sev["error"] += duplicate_count
    job = [dict(d) for d in model_level] + _job_findings(len(files), records, size, setup["quotas"])
    for d in job:
        count(d)
        listed.append(((len(files), 0, 0), d))
    if verdict is None:
        verdict = next((_headline(d) for d in job if d["phase"] == "validating"), None)
    listed.sort(key=lambda kd: kd[0])
    # As the CLI lists them (docs/findings.md): under the cap the most severe first (errors,
    # then warnings, then infos, each the earliest in report order), shown in report order;
    # job-level findings always, on top of the cap. Each file's own run kept its most severe
    # findings under the same cap, so the ones kept here are among those it listed.
    in_files = [kd for kd in listed if kd[0][0] < len(files)]
    room = cap
    kept: List[Tuple[Tuple[int, int, int], Dict[str, Any]]] = []
    for severity in ("error", "warning", "info"):
        take = [kd for kd in in_files if kd[1]["severity"] == severity][: max(room, 0)]
        room -= len(take)
        kept += take
    kept.sort(key=lambda kd: kd[0])
    diagnostics = [d for _, d in kept] + [d for key, d in listed if key[0] == len(files)]
    total = sum(by_code.values())
    threshold = {"error": ("error",), "warning": ("error", "warning"), "info": ("error", "warning", "info")}
    failing = any(sev[s] for s in threshold[options.fail_on])
    doc = {
        "version": setup.get("version", 1),
        "tool": setup.get("tool"),
        "model_id": setup.get("model_id"),
        "family": setup.get("family"),
        "invocation_type": setup.get("invocation_type"),
        "verdict": {"status": "Failed" if verdict else "Scheduled", "message": verdict},
        "summary": {
            "files": len(files), "records": records, "bytes": size,
            "errors": sev["error"], "warnings": sev["warning"], "infos": sev["info"],
            "by_code": dict(sorted((k, v) for k, v in by_code.items() if v)),
            "diagnostics_truncated": total > len(diagnostics),
        },
        "quotas": setup.get("quotas"),
        "files": [{"path": p, "records": r["summary"]["records"], "bytes": r["summary"]["bytes"]} for p, r in files],
        "diagnostics": diagnostics,
    }
    return Report.from_json(doc, 1 if failing else 0)


def _reduce(
    spark: "SparkSession", checked: "DataFrame", options: Options, empty: Sequence[str] = ()
) -> Report:
    from pyspark import StorageLevel
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    checked = checked.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        files = [(r["path"], json.loads(r["report"])) for r in checked.select("path", "report").collect()]
        # Spark plans no task for an empty file; the CLI still counts it. Checked here.
        seen = {path for path, _ in files}
        files += [(name, check_file(name, b"", options).report) for name in empty if name not in seen]
        ids = checked.select("path", F.explode("ids").alias("i")).select(
            "path", F.col("i.id").alias("id"), "i.line", "i.column", "i.offset"
        )
        # As the CLI meets them: files in path order, lines in order; the first use is kept.
        w = Window.partitionBy("id").orderBy("path", "line")
        dups = (
            ids.withColumn("n", F.row_number().over(w))
            .withColumn("first_path", F.first("path").over(w))
            .withColumn("first_line", F.first("line").over(w))
            .where("n > 1")
        ).persist(StorageLevel.MEMORY_AND_DISK)
        try:
            count = dups.count()
            shown = dups.orderBy("path", "offset").limit(options.max_diagnostics).collect() if count else []
        finally:
            dups.unpersist()
    finally:
        checked.unpersist()
    duplicates = [
        Duplicate(r["id"], r["path"], r["line"], r["column"], r["offset"], r["first_path"], r["first_line"])
        for r in shown
    ]
    return merge(job_setup(options), files, duplicates, count, options)


def _options(**kw: Any) -> Options:
    if kw.get("schema") is not None:
        import os

        kw["schema"] = os.fsdecode(kw["schema"])
    return Options(**{k: v for k, v in kw.items() if v is not None})


def validate_files(
    spark: "SparkSession",
    path: Union[str, Sequence[str]],
    *,
    glob: str = "*.jsonl",
    display: Callable[[str], str] = display_name,
    model_id: Optional[str] = None,
    invocation_type: Optional[InvocationType] = None,
    schema: Optional[PathLike] = None,
    min_records_per_job: Optional[int] = None,
    max_records_per_file: Optional[int] = None,
    max_records_per_job: Optional[int] = None,
    max_file_bytes: Optional[Size] = None,
    max_job_bytes: Optional[Size] = None,
    max_diagnostics: int = 1000,
    fail_on: FailOn = "error",
) -> Report:
    """Checks every file matching ``glob`` below ``path`` (a folder or ``s3://`` prefix, or
    several) as one job, as ``bedrock-batch validate`` does, with Spark's ``binaryFile`` source:
    one row per file, checked on the executors, duplicates and quotas reduced over all.

    Spark hands files to Python in Arrow batches; this sets
    ``spark.sql.execution.arrow.maxRecordsPerBatch`` to 1 while it runs, so an executor holds
    one file at a time. Give executors memory for the largest file (at most 1 GB for Bedrock).
    """
    options = _options(model_id=model_id, invocation_type=invocation_type, schema=schema,
                       min_records_per_job=min_records_per_job, max_records_per_file=max_records_per_file,
                       max_records_per_job=max_records_per_job, max_file_bytes=max_file_bytes,
                       max_job_bytes=max_job_bytes, max_diagnostics=max_diagnostics, fail_on=fail_on)
    paths = [path] if isinstance(path, str) else list(path)
    key = "spark.sql.execution.arrow.maxRecordsPerBatch"
    before = spark.conf.get(key, None)
    spark.conf.set(key, "1")
    try:
        df = (
            spark.read.format("binaryFile")
            .option("pathGlobFilter", glob)
            .option("recursiveFileLookup", "true")
            .load(paths)
            .select("path", "content")
        )
        checked = df.mapInArrow(_check_contents(options, display), _OUTPUT_SCHEMA)
        return _reduce(spark, checked, options, [display(p) for p in df.inputFiles()])
    finally:
        if before is None:
            spark.conf.unset(key)
        else:
            spark.conf.set(key, before)


def validate_keys(
    spark: "SparkSession",
    keys: Union[Sequence[str], "DataFrame"],
    *,
    opener: Callable[[str], IO[bytes]] = _opener_default,
    display: Callable[[str], str] = display_name,
    partitions: Optional[int] = None,
    model_id: Optional[str] = None,
    invocation_type: Optional[InvocationType] = None,
    schema: Optional[PathLike] = None,
    min_records_per_job: Optional[int] = None,
    max_records_per_file: Optional[int] = None,
    max_records_per_job: Optional[int] = None,
    max_file_bytes: Optional[Size] = None,
    max_job_bytes: Optional[Size] = None,
    max_diagnostics: int = 1000,
    fail_on: FailOn = "error",
) -> Report:
    """Checks the files named by ``keys`` (local paths or ``s3://bucket/key`` URIs, or a
    DataFrame with a ``path`` column) as one job. Each executor opens its keys with ``opener``
    (default: ``open`` for paths, boto3 for ``s3://``) and streams them to the binary, so no
    file passes through Spark's Arrow batches: the shape for large files.
    """
    options = _options(model_id=model_id, invocation_type=invocation_type, schema=schema,
                       min_records_per_job=min_records_per_job, max_records_per_file=max_records_per_file,
                       max_records_per_job=max_records_per_job, max_file_bytes=max_file_bytes,
                       max_job_bytes=max_job_bytes, max_diagnostics=max_diagnostics, fail_on=fail_on)
    if isinstance(keys, (list, tuple)):
        n = partitions or max(1, min(len(keys), spark.sparkContext.defaultParallelism * 4))
        df = spark.createDataFrame([(k,) for k in keys], "path string").repartition(n)
    else:
        df = keys.select("path")  # type: ignore[union-attr]
        if partitions:
            df = df.repartition(partitions)
    key = "spark.sql.execution.arrow.maxRecordsPerBatch"
    before = spark.conf.get(key, None)
    spark.conf.set(key, "1")
    try:
        checked = df.mapInArrow(_check_keys(options, display, opener), _OUTPUT_SCHEMA)
        return _reduce(spark, checked, options)
    finally:
        if before is None:
            spark.conf.unset(key)
        else:
            spark.conf.set(key, before)
