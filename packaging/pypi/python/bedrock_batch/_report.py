"""The typed results of the API: the CLI's ``--format json`` documents read into dataclasses.

Every class keeps the fields of the JSON contract (docs/python.md lists them); fields the CLI
adds later are still reachable through ``raw``, the document as parsed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional


def _opt_int(v: Any) -> Optional[int]:
    return None if v is None else int(v)


@dataclass(frozen=True)
class Diagnostic:
    """One finding, as in the CLI's JSON report.

    ``line`` is the 1-based physical line (for :func:`bedrock_batch.validate_records`, the
    1-based position of the record in the iterable); ``column`` is 1-based in characters;
    file-level findings have no line, job-level findings no path. ``pointer`` is an RFC 6901
    pointer from the record root (``/modelInput/messages/0/role``), or ``None``.
    """

    code: str
    """Stable rule code, e.g. ``"R006"`` (``bedrock-batch rules CODE`` explains it)."""
    name: str
    """Kebab-case rule name, e.g. ``"duplicate-record-id"``."""
    severity: str
    """``"error"``, ``"warning"`` or ``"info"``."""
    phase: str
    """``"validating"`` (fails the whole job), ``"inference"`` (fails the record) or
    ``"hygiene"``."""
    path: Optional[str]
    line: Optional[int]
    column: Optional[int]
    pointer: Optional[str]
    message: str
    byte_offset: Optional[int] = None
    """0-based offset of the finding in its file."""

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "Diagnostic":
        return cls(
            code=d["code"],
            name=d["name"],
            severity=d["severity"],
            phase=d["phase"],
            path=d.get("path"),
            line=_opt_int(d.get("line")),
            column=_opt_int(d.get("column")),
            pointer=d.get("pointer"),
            message=d["message"],
            byte_offset=_opt_int(d.get("byte_offset")),
        )

    def to_json(self) -> Dict[str, Any]:
        """The finding as the CLI prints it in ``--format json``."""
        return {
            "code": self.code,
            "name": self.name,
            "severity": self.severity,
            "phase": self.phase,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "byte_offset": self.byte_offset,
            "pointer": self.pointer,
            "message": self.message,
        }


@dataclass(frozen=True)
class Verdict:
    """What the service's Validating phase would answer."""

    status: str
    """``"Scheduled"`` or ``"Failed"``."""
    message: Optional[str]
    """For ``"Failed"``: the first validating-phase finding, as
    ``"L001 invalid-json at in/a.jsonl:5:17: ..."``."""

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "Verdict":
        return cls(status=d["status"], message=d.get("message"))


@dataclass(frozen=True)
class Summary:
    """Counts over the whole job; exact even when the diagnostics list was capped."""

    files: int
    records: int
    bytes: int
    errors: int
    warnings: int
    infos: int
    by_code: Dict[str, int]
    diagnostics_truncated: bool

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "Summary":
        return cls(
            files=int(d.get("files", 0)),
            records=int(d["records"]),
            bytes=int(d["bytes"]),
            errors=int(d["errors"]),
            warnings=int(d["warnings"]),
            infos=int(d["infos"]),
            by_code={str(k): int(v) for k, v in d.get("by_code", {}).items()},
            diagnostics_truncated=bool(d.get("diagnostics_truncated", False)),
        )


@dataclass(frozen=True)
class FileSummary:
    """One input file: records (non-blank lines) and bytes."""

    path: str
    records: int
    bytes: int

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "FileSummary":
        return cls(path=d["path"], records=int(d["records"]), bytes=int(d["bytes"]))


@dataclass(frozen=True)
class Quotas:
    """The quota profile a run applied (the model's defaults and any overrides)."""

    min_records_per_job: int
    max_records_per_file: int
    max_records_per_job: int
    max_file_bytes: int
    max_job_bytes: int

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "Quotas":
        return cls(
            min_records_per_job=int(d["min_records_per_job"]),
            max_records_per_file=int(d["max_records_per_file"]),
            max_records_per_job=int(d["max_records_per_job"]),
            max_file_bytes=int(d["max_file_bytes"]),
            max_job_bytes=int(d["max_job_bytes"]),
        )


@dataclass(frozen=True)
class Report:
    """The report of :func:`bedrock_batch.validate` or :func:`bedrock_batch.validate_records`:
    the CLI's ``--format json`` document.

    With ``group="folder"`` or ``"file"`` the top level sums up every job and ``jobs`` holds one
    report per job (each with ``job`` set); otherwise ``jobs`` is empty.
    """

    verdict: Verdict
    summary: Summary
    diagnostics: List[Diagnostic]
    files: List[FileSummary]
    quotas: Optional[Quotas]
    model_id: Optional[str]
    family: Optional[str]
    invocation_type: Optional[str]
    exit_code: int
    """The exit code of the CLI run (for every job of it): 0 when nothing is at or above
    ``fail_on``, else 1."""
    job: Optional[str] = None
    jobs: List["Report"] = field(default_factory=list)
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """The JSON document as parsed, with any field this version does not model."""

    @classmethod
    def from_json(cls, d: Mapping[str, Any], exit_code: int) -> "Report":
        quotas = d.get("quotas")
        return cls(
            verdict=Verdict.from_json(d["verdict"]),
            summary=Summary.from_json(d["summary"]),
            diagnostics=[Diagnostic.from_json(x) for x in d.get("diagnostics", [])],
            files=[FileSummary.from_json(x) for x in d.get("files", [])],
            quotas=Quotas.from_json(quotas) if quotas else None,
            model_id=d.get("model_id"),
            family=d.get("family"),
            invocation_type=d.get("invocation_type"),
            exit_code=exit_code,
            job=d.get("job"),
            jobs=[Report.from_json(j, exit_code) for j in d.get("jobs", [])],
            raw=dict(d),
        )


@dataclass(frozen=True)
class InputTotals:
    """What ``shard`` read."""

    files: int
    records: int
    bytes: int


@dataclass(frozen=True)
class OutputTotals:
    """What ``shard`` wrote."""

    jobs: int
    files: int
    records: int
    bytes: int


@dataclass(frozen=True)
class LeftOut:
    """What ``shard`` left out: blank lines, and invalid records with ``on_invalid`` ``"skip"``
    or ``"quarantine"`` (their error findings counted by code)."""

    blank_lines: int
    invalid_records: int
    on_invalid: str
    by_code: Dict[str, int]


@dataclass(frozen=True)
class ManifestFile:
    """One written file, relative to the output folder (``job-001/part-0001.jsonl``)."""

    path: str
    records: int
    bytes: int
    sha256: str

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "ManifestFile":
        return cls(
            path=d["path"], records=int(d["records"]), bytes=int(d["bytes"]), sha256=d["sha256"]
        )


@dataclass(frozen=True)
class ManifestJob:
    """One job folder of the output: one S3 prefix, one ``CreateModelInvocationJob``."""

    name: str
    records: int
    bytes: int
    files: List[ManifestFile]


@dataclass(frozen=True)
class Manifest:
    """``OUT/manifest.json`` as written."""

    jobs: List[ManifestJob]
    rejected: Optional[ManifestFile]


@dataclass(frozen=True)
class ShardSummary:
    """The summary of :func:`bedrock_batch.shard` (the CLI's ``shard --format json``)."""

    status: str
    """``"written"``."""
    out: str
    quotas: Quotas
    input: InputTotals
    output: OutputTotals
    left_out: LeftOut
    requests: List[str]
    """Request files written with ``emit_requests=True``, relative to ``out``."""
    manifest: Manifest
    exit_code: int
    """0 every valid record was written; 1 invalid records were left out."""
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, d: Mapping[str, Any], exit_code: int) -> "ShardSummary":
        m = d["manifest"]
        lo = d["left_out"]
        return cls(
            status=d["status"],
            out=d["out"],
            quotas=Quotas.from_json(d["quotas"]),
            input=InputTotals(**{k: int(d["input"][k]) for k in ("files", "records", "bytes")}),
            output=OutputTotals(
                **{k: int(d["output"][k]) for k in ("jobs", "files", "records", "bytes")}
            ),
            left_out=LeftOut(
                blank_lines=int(lo["blank_lines"]),
                invalid_records=int(lo["invalid_records"]),
                on_invalid=lo["on_invalid"],
                by_code={str(k): int(v) for k, v in lo.get("by_code", {}).items()},
            ),
            requests=list(d.get("requests", [])),
            manifest=Manifest(
                jobs=[
                    ManifestJob(
                        name=j["name"],
                        records=int(j["records"]),
                        bytes=int(j["bytes"]),
                        files=[ManifestFile.from_json(f) for f in j["files"]],
                    )
                    for j in m["jobs"]
                ],
                rejected=ManifestFile.from_json(m["rejected"]) if m.get("rejected") else None,
            ),
            exit_code=exit_code,
            raw=dict(d),
        )


@dataclass(frozen=True)
class ResultCounts:
    """Per input record one of ``succeeded``/``failed``/``missing``; ``unknown`` and
    ``duplicates`` count output lines; ``not_joinable`` input records without a usable id."""

    input_records: int
    succeeded: int
    failed: int
    missing: int
    unknown: int
    duplicates: int
    not_joinable: int


@dataclass(frozen=True)
class WrittenFile:
    """A file ``results`` wrote (``--retry`` or ``--joined``)."""

    path: str
    records: int
    bytes: int


@dataclass(frozen=True)
class Disagreement:
    """A ``manifest.json.out`` counter that differs from what the files hold."""

    counter: str
    manifest: int
    counted: int
    message: str


@dataclass(frozen=True)
class ResultsSummary:
    """The summary of :func:`bedrock_batch.results` (the CLI's ``results --format json``;
    docs/results.md describes every field, all reachable through ``raw``)."""

    output: str
    counts: ResultCounts
    failures: Dict[str, int]
    """Failed input records by ``errorCode``, keyed by the code as a string (``"429"``)."""
    failure_samples: Dict[str, str]
    """The first error message of each code."""
    tokens: Dict[str, Any]
    """``manifest_input``/``manifest_output`` and the outputs' own usage under ``records``."""
    manifest: Optional[Dict[str, int]]
    """The counters of ``manifest.json.out``, when there is one."""
    disagreements: List[Disagreement]
    input_files: List[FileSummary]
    retry: Optional[WrittenFile]
    joined: Optional[WrittenFile]
    exit_code: int
    """0 when every input record succeeded, else 1."""
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, d: Mapping[str, Any], exit_code: int) -> "ResultsSummary":
        def written(w: Optional[Mapping[str, Any]]) -> Optional[WrittenFile]:
            return WrittenFile(w["path"], int(w["records"]), int(w["bytes"])) if w else None

        c = d["counts"]
        return cls(
            output=d["output"],
            counts=ResultCounts(
                **{k: int(c.get(k, 0)) for k in ResultCounts.__dataclass_fields__}
            ),
            failures={str(k): int(v) for k, v in d.get("failures", {}).items()},
            failure_samples={str(k): str(v) for k, v in d.get("failure_samples", {}).items()},
            tokens=dict(d.get("tokens") or {}),
            manifest=dict(d["manifest"]) if d.get("manifest") else None,
            disagreements=[
                Disagreement(x["counter"], int(x["manifest"]), int(x["counted"]), x["message"])
                for x in d.get("disagreements", [])
            ],
            input_files=[FileSummary.from_json(x) for x in d.get("input_files", [])],
            retry=written(d.get("retry")),
            joined=written(d.get("joined")),
            exit_code=exit_code,
            raw=dict(d),
        )
