"""Check and prepare JSONL input for Amazon Bedrock batch inference, from Python.

``pip install bedrock-batch`` installs the ``bedrock-batch`` command (a Rust binary) and this
package, which runs that binary::

    import bedrock_batch as bb

    report = bb.validate(["batch/in/"], model_id="us.anthropic.claude-3-5-haiku-20241022-v1:0")
    report.verdict.status            # "Scheduled" | "Failed"
    report.summary.errors            # also .warnings, .infos, .records, .bytes
    for d in report.diagnostics:     # Diagnostic(code, name, severity, phase, path, line, ...)
        print(d.path, d.line, d.code, d.message)

    report = bb.validate_records(df.to_dict("records"), model_id=...)   # in memory
    summary = bb.shard("batch/in/", "batch/jobs/")                     # cut to the quotas
    done = bb.results("batch/in/", "out/abc123def456/", retry="retry.jsonl")  # after the job

The findings are the CLI's, byte for byte: the same rules run in the same binary. Tool errors
(an unreadable path, a bad option) raise :class:`Error` with the CLI's one-line message. See
docs/python.md for the full reference and the Spark recipe (:mod:`bedrock_batch.spark`).
"""

from __future__ import annotations

from ._api import Error, ShardRefused, results, shard, validate, validate_records
from ._binary import find_bin
from ._report import (
    Diagnostic,
    Disagreement,
    FileSummary,
    InputTotals,
    LeftOut,
    Manifest,
    ManifestFile,
    ManifestJob,
    OutputTotals,
    Quotas,
    Report,
    ResultCounts,
    ResultsSummary,
    ShardSummary,
    Summary,
    Verdict,
    WrittenFile,
)

try:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as _version

    __version__: str = _version("bedrock-batch")
except PackageNotFoundError:  # imported from a source checkout, not installed
    __version__ = "0.0.0"

__all__ = [
    "Diagnostic",
    "Disagreement",
    "Error",
    "FileSummary",
    "InputTotals",
    "LeftOut",
    "Manifest",
    "ManifestFile",
    "ManifestJob",
    "OutputTotals",
    "Quotas",
    "Report",
    "ResultCounts",
    "ResultsSummary",
    "ShardRefused",
    "ShardSummary",
    "Summary",
    "Verdict",
    "WrittenFile",
    "find_bin",
    "results",
    "shard",
    "validate",
    "validate_records",
    "__version__",
]
