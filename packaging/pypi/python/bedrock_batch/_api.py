"""The Python API: each function runs the bundled ``bedrock-batch`` binary with
``--format json`` and reads its document into the dataclasses of :mod:`bedrock_batch._report`.

Why a thin layer over the binary and not a PyO3 extension: the binary already reads files with
mmap on every core, streams standard input and owns every rule; a subprocess costs a few
milliseconds per call, and the per-record cost of :func:`validate_records` is turning Python
objects into JSON text, which a native module would pay too (docs/python.md has the numbers).
One wheel then carries the CLI and the API, and both always give the same findings.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from typing import IO, Any, Iterable, Iterator, List, Literal, Mapping, Optional, Sequence, Tuple, Union

from ._binary import find_bin
from ._report import Report, ResultsSummary, ShardSummary

PathLike = Union[str, "os.PathLike[str]"]
#: One path or several.
Paths = Union[PathLike, Iterable[PathLike]]
#: A size as the CLI takes it: bytes as an int, or ``"1GB"``, ``"500MiB"``.
Size = Union[int, str]
#: One record of :func:`validate_records`: a dict (written as one JSON line), or one line as
#: ``str`` or ``bytes`` (a trailing ``\n`` is allowed).
Record = Union[Mapping[str, Any], str, bytes, bytearray, memoryview]
InvocationType = Literal["InvokeModel", "Converse"]
FailOn = Literal["error", "warning", "info"]
Group = Literal["all", "folder", "file"]
OnInvalid = Literal["fail", "skip", "quarantine"]
Codes = Union[str, Iterable[str]]

# Standard input is fed to the binary in pieces of about this size.
_STDIN_PIECE = 1 << 20


class Error(Exception):
    """The tool could not do its work (exit code 2 of the CLI: a bad option, an unreadable
    path, a bad config or schema). ``str(error)`` is the CLI's one-line message."""

    def __init__(self, message: str, *, exit_code: Optional[int] = None, stderr: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
        """The binary's exit code, when it ran."""
        self.stderr = stderr
        """Everything the binary wrote to standard error."""


class ShardRefused(Error):
    """:func:`shard` wrote nothing: the input has invalid records (with ``on_invalid="fail"``;
    ``report`` holds the validate report) or no split fits the quotas (``quota`` names it)."""

    def __init__(
        self,
        message: str,
        *,
        exit_code: Optional[int] = None,
        stderr: str = "",
        report: Optional[Report] = None,
        quota: Optional[str] = None,
    ) -> None:
        super().__init__(message, exit_code=exit_code, stderr=stderr)
        self.report = report
        self.quota = quota


def _one_line(stderr: str, exit_code: int) -> str:
    """The CLI's one-line message: its last `bedrock-batch:` line, or a clap `error:` line."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    for ln in reversed(lines):
        if ln.startswith("bedrock-batch:"):
            return ln
    for ln in lines:
        if ln.startswith("error:"):
            return ln
    if lines:
        return lines[-1]
    return f"bedrock-batch exited with code {exit_code} and no message"


def _run(args: Sequence[str], stdin: Optional[Iterable[bytes]] = None) -> Tuple[int, bytes, str]:
    """Runs the binary; returns its exit code, standard output and standard error."""
    try:
        exe = find_bin()
    except FileNotFoundError as e:
        raise Error(f"bedrock-batch: error: {e}") from None
    cmd = [exe, *args]
    if stdin is None:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")
    # Output goes to temporary files, so that feeding standard input can never dead-lock
    # against a full output pipe, and records are streamed without holding them all.
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=out, stderr=err)
        pipe: IO[bytes] = proc.stdin  # type: ignore[assignment]
        try:
            for piece in stdin:
                pipe.write(piece)
        except BrokenPipeError:
            pass  # the binary stopped reading (a bad option): its message says why
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        finally:
            try:
                pipe.close()
            except BrokenPipeError:
                pass
        code = proc.wait()
        out.seek(0)
        err.seek(0)
        return code, out.read(), err.read().decode("utf-8", "replace")


def _document(code: int, stdout: bytes, stderr: str) -> Any:
    """The JSON document of a run that did its work (exit 0 or 1), or :class:`Error`."""
    if code not in (0, 1):
        raise Error(_one_line(stderr, code), exit_code=code, stderr=stderr)
    try:
        return json.loads(stdout)
    except ValueError:
        raise Error(
            _one_line(stderr, code) if stderr.strip() else "bedrock-batch printed no JSON report",
            exit_code=code,
            stderr=stderr,
        ) from None


def _paths(paths: Paths) -> List[str]:
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    out = [os.fsdecode(p) for p in paths]
    if not out:
        raise ValueError("no path given; pass files or folders (validate_records checks records in memory)")
    return out


def _codes(codes: Codes) -> str:
    return codes if isinstance(codes, str) else ",".join(codes)


def _job_flags(
    *,
    model_id: Optional[str],
    invocation_type: Optional[InvocationType],
    schema: Optional[PathLike],
    min_records_per_job: Optional[int],
    max_records_per_file: Optional[int],
    max_records_per_job: Optional[int],
    max_file_bytes: Optional[Size],
    max_job_bytes: Optional[Size],
    max_diagnostics: Optional[int],
    threads: Optional[int],
    no_mmap: bool,
    stdin_filename: Optional[str],
) -> List[str]:
    """Flags that `validate` and `shard` share."""
    flags: List[str] = []
    for flag, value in (
        ("--model-id", model_id),
        ("--invocation-type", invocation_type),
        ("--schema", os.fsdecode(schema) if schema is not None else None),
        ("--min-records-per-job", min_records_per_job),
        ("--max-records-per-file", max_records_per_file),
        ("--max-records-per-job", max_records_per_job),
        ("--max-file-bytes", max_file_bytes),
        ("--max-job-bytes", max_job_bytes),
        ("--max-diagnostics", max_diagnostics),
        ("--threads", threads),
        ("--stdin-filename", stdin_filename),
    ):
        if value is not None:
            flags += [flag, str(value)]
    if no_mmap:
        flags.append("--no-mmap")
    return flags


def _validate_flags(
    *,
    fail_on: Optional[FailOn],
    select: Optional[Codes],
    ignore: Optional[Codes],
    group: Optional[Group],
    config: Optional[PathLike],
    no_config: bool,
) -> List[str]:
    flags = ["validate", "--format", "json", "--no-progress", "--color", "never"]
    if fail_on is not None:
        flags += ["--fail-on", fail_on]
    if select is not None:
        flags += ["--select", _codes(select)]
    if ignore is not None:
        flags += ["--ignore", _codes(ignore)]
    if group is not None:
        flags += ["--group", group]
    if config is not None:
        flags += ["--config", os.fsdecode(config)]
    if no_config:
        flags.append("--no-config")
    return flags


def validate(
    paths: Paths,
    *,
    model_id: Optional[str] = None,
    invocation_type: Optional[InvocationType] = None,
    schema: Optional[PathLike] = None,
    min_records_per_job: Optional[int] = None,
    max_records_per_file: Optional[int] = None,
    max_records_per_job: Optional[int] = None,
    max_file_bytes: Optional[Size] = None,
    max_job_bytes: Optional[Size] = None,
    max_diagnostics: Optional[int] = None,
    fail_on: Optional[FailOn] = None,
    select: Optional[Codes] = None,
    ignore: Optional[Codes] = None,
    group: Optional[Group] = None,
    threads: Optional[int] = None,
    no_mmap: bool = False,
    config: Optional[PathLike] = None,
    no_config: bool = False,
) -> Report:
    """Checks files and folders as one Bedrock batch job (``bedrock-batch validate PATH...``).

    Every option is the CLI flag of the same name (``model_id`` is ``--model-id``); ``None``
    leaves the CLI's default, or the value of a ``bedrock-batch.toml`` found from the current
    folder upward. Findings never raise: they are in the report. Raises :class:`Error` when the
    tool cannot work (unreadable path, bad option, bad config or schema).
    """
    args = _validate_flags(
        fail_on=fail_on, select=select, ignore=ignore, group=group, config=config, no_config=no_config
    )
    args += _job_flags(
        model_id=model_id,
        invocation_type=invocation_type,
        schema=schema,
        min_records_per_job=min_records_per_job,
        max_records_per_file=max_records_per_file,
        max_records_per_job=max_records_per_job,
        max_file_bytes=max_file_bytes,
        max_job_bytes=max_job_bytes,
        max_diagnostics=max_diagnostics,
        threads=threads,
        no_mmap=no_mmap,
        stdin_filename=None,
    )
    args.append("--")
    args += _paths(paths)
    code, out, err = _run(args)
    return Report.from_json(_document(code, out, err), code)


def _record_line(i: int, rec: Record) -> bytes:
    if isinstance(rec, (bytes, bytearray, memoryview)):
        line = bytes(rec)
    elif isinstance(rec, str):
        # surrogatepass keeps lone surrogates as the bytes they would be in a file, so the
        # binary reports them (L002) instead of this layer failing on them.
        line = rec.encode("utf-8", "surrogatepass")
    elif isinstance(rec, Mapping):
        # Compact, as pandas' to_json writes; NaN stays NaN (json.dumps's default), which the
        # binary reports as invalid JSON, as it would in a file written with json.dumps.
        obj = rec if isinstance(rec, dict) else dict(rec)
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")
    else:
        raise TypeError(
            f"record {i} is a {type(rec).__name__}; validate_records takes dicts, or lines as str or bytes"
        )
    if line.endswith(b"\n"):
        line = line[:-1]
    if b"\n" in line:
        raise ValueError(
            f"record {i} holds a line break; each record must be one JSONL line (pass the dict, or json.dumps without indent)"
        )
    return line


def _stdin_pieces(records: Iterable[Record]) -> Iterator[bytes]:
    """The records as JSONL, in pieces of about ``_STDIN_PIECE`` bytes."""
    piece: List[bytes] = []
    size = 0
    for i, rec in enumerate(records, 1):
        line = _record_line(i, rec)
        piece.append(line)
        size += len(line) + 1
        if size >= _STDIN_PIECE:
            piece.append(b"")
            yield b"\n".join(piece)
            piece, size = [], 0
    if piece:
        piece.append(b"")
        yield b"\n".join(piece)


def validate_records(
    records: Iterable[Record],
    *,
    model_id: Optional[str] = None,
    invocation_type: Optional[InvocationType] = None,
    schema: Optional[PathLike] = None,
    min_records_per_job: Optional[int] = None,
    max_records_per_file: Optional[int] = None,
    max_records_per_job: Optional[int] = None,
    max_file_bytes: Optional[Size] = None,
    max_job_bytes: Optional[Size] = None,
    max_diagnostics: Optional[int] = None,
    fail_on: Optional[FailOn] = None,
    select: Optional[Codes] = None,
    ignore: Optional[Codes] = None,
    threads: Optional[int] = None,
    stdin_filename: Optional[str] = None,
    config: Optional[PathLike] = None,
    no_config: bool = False,
) -> Report:
    """Checks records held in memory as one job, as if they were the lines of one file.

    ``records`` is any iterable (a list, a generator, ``df.to_dict("records")``) of dicts
    (written as one compact JSON line each), or of lines as ``str`` or ``bytes`` (checked byte
    for byte; one trailing ``\\n`` is allowed). It is streamed to the binary, never held whole.
    A finding's ``line`` is the 1-based position of its record in the iterable; its ``path`` is
    ``stdin_filename`` (``"<stdin>"`` without one; a name not ending in ``.jsonl`` is reported,
    as a file would be). Raises :class:`ValueError` for a str/bytes record with a line break
    inside, :class:`TypeError` for a record of another type, :class:`Error` when the tool
    cannot work.
    """
    args = _validate_flags(
        fail_on=fail_on, select=select, ignore=ignore, group=None, config=config, no_config=no_config
    )
    args += _job_flags(
        model_id=model_id,
        invocation_type=invocation_type,
        schema=schema,
        min_records_per_job=min_records_per_job,
        max_records_per_file=max_records_per_file,
        max_records_per_job=max_records_per_job,
        max_file_bytes=max_file_bytes,
        max_job_bytes=max_job_bytes,
        max_diagnostics=max_diagnostics,
        threads=threads,
        no_mmap=False,
        stdin_filename=stdin_filename,
    )
    args += ["--", "-"]
    code, out, err = _run(args, stdin=_stdin_pieces(records))
    return Report.from_json(_document(code, out, err), code)


def shard(
    paths: Paths,
    out: PathLike,
    *,
    on_invalid: Optional[OnInvalid] = None,
    force: bool = False,
    model_id: Optional[str] = None,
    invocation_type: Optional[InvocationType] = None,
    schema: Optional[PathLike] = None,
    min_records_per_job: Optional[int] = None,
    max_records_per_file: Optional[int] = None,
    max_records_per_job: Optional[int] = None,
    max_file_bytes: Optional[Size] = None,
    max_job_bytes: Optional[Size] = None,
    max_diagnostics: Optional[int] = None,
    threads: Optional[int] = None,
    no_mmap: bool = False,
    emit_requests: bool = False,
    job_name_prefix: Optional[str] = None,
    role_arn: Optional[str] = None,
    s3_input_prefix: Optional[str] = None,
    s3_output_prefix: Optional[str] = None,
) -> ShardSummary:
    """Cuts the job formed by ``paths`` into jobs and files that fit the quotas, written to
    ``out`` (``bedrock-batch shard PATH... --out OUT``), and returns the summary.

    Options are the CLI flags of the same name. Raises :class:`ShardRefused` when nothing was
    written (invalid records with ``on_invalid="fail"``, the default; or no split fits the
    quotas), :class:`Error` when the tool cannot work (e.g. ``out`` is not empty and ``force`` is
    not set).
    """
    args = ["shard", "--format", "json", "--no-progress", "--color", "never", "--out", os.fsdecode(out)]
    if on_invalid is not None:
        args += ["--on-invalid", on_invalid]
    if force:
        args.append("--force")
    if emit_requests:
        args.append("--emit-requests")
    for flag, value in (
        ("--job-name-prefix", job_name_prefix),
        ("--role-arn", role_arn),
        ("--s3-input-prefix", s3_input_prefix),
        ("--s3-output-prefix", s3_output_prefix),
    ):
        if value is not None:
            args += [flag, value]
    args += _job_flags(
        model_id=model_id,
        invocation_type=invocation_type,
        schema=schema,
        min_records_per_job=min_records_per_job,
        max_records_per_file=max_records_per_file,
        max_records_per_job=max_records_per_job,
        max_file_bytes=max_file_bytes,
        max_job_bytes=max_job_bytes,
        max_diagnostics=max_diagnostics,
        threads=threads,
        no_mmap=no_mmap,
        stdin_filename=None,
    )
    args.append("--")
    args += _paths(paths)
    code, stdout, err = _run(args)
    doc = _document(code, stdout, err)
    status = doc.get("status")
    if status == "written":
        return ShardSummary.from_json(doc, code)
    message = _one_line(err, code)
    if status == "refused":
        raise ShardRefused(message, exit_code=code, stderr=err, quota=doc.get("quota"))
    if "verdict" in doc:
        raise ShardRefused(message, exit_code=code, stderr=err, report=Report.from_json(doc, code))
    raise Error(f"bedrock-batch: shard printed an unknown document (status {status!r})", exit_code=code, stderr=err)


def results(
    input: Paths,
    output: PathLike,
    *,
    retry: Optional[PathLike] = None,
    retry_only: Optional[Codes] = None,
    joined: Optional[PathLike] = None,
    model_id: Optional[str] = None,
    threads: Optional[int] = None,
    no_mmap: bool = False,
) -> ResultsSummary:
    """Joins a finished job's output folder (``{outputS3Uri}/{jobId}/``, downloaded) back to its
    input by ``recordId`` (``bedrock-batch results --input INPUT... --output OUTPUT``) and
    returns the summary: per-record counts, failures by ``errorCode``, tokens, the manifest
    check.

    ``retry`` writes the input lines of the failed and missing records (``retry_only`` narrows
    them: ``"failed"``, ``"missing"``, ``"throttled"``, ``"server-errors"``, ``"client-errors"``,
    codes like ``"424"``), byte for byte, ready for the next job; ``joined`` writes one JSON line
    per input record with its status and output. ``summary.exit_code`` is 0 when every record
    succeeded, else 1. Raises :class:`Error` when the tool cannot work (not an output folder, an
    unreadable input).
    """
    args = ["results", "--format", "json", "--no-progress", "--input", *_paths(input), "--output", os.fsdecode(output)]
    for flag, value in (
        ("--retry", os.fsdecode(retry) if retry is not None else None),
        ("--retry-only", _codes(retry_only) if retry_only is not None else None),
        ("--joined", os.fsdecode(joined) if joined is not None else None),
        ("--model-id", model_id),
        ("--threads", threads),
    ):
        if value is not None:
            args += [flag, str(value)]
    if no_mmap:
        args.append("--no-mmap")
    code, out, err = _run(args)
    return ResultsSummary.from_json(_document(code, out, err), code)
