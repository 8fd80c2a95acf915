"""Shared helpers for the tests of the installed `bedrock-batch` wheel.

These tests run against the wheel installed in the current environment (never a source tree on
sys.path): they compare the Python API with the `bedrock-batch` command it ships, run directly.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import pytest

#: The repository checkout (for fixtures/ and .pre-commit-hooks.yaml).
REPO = Path(os.environ.get("BB_REPO", Path(__file__).resolve().parents[3]))
SAMPLE = REPO / "fixtures" / "sample" / "claude-batch.jsonl"
BROKEN = REPO / "fixtures" / "sample" / "broken-batch.jsonl"
HAIKU = "us.anthropic.claude-3-5-haiku-20241022-v1:0"


def cli_exe() -> str:
    """The `bedrock-batch` command the wheel put on PATH."""
    exe = shutil.which("bedrock-batch")
    assert exe, "bedrock-batch is not on PATH; install the wheel into this environment"
    return exe


def cli(args: Sequence[str], stdin: Optional[bytes] = None, cwd: Optional[Path] = None) -> Tuple[int, Any, str]:
    """Runs the CLI; returns (exit code, parsed JSON stdout or None, stderr)."""
    p = subprocess.run(
        [cli_exe(), *args],
        input=stdin if stdin is not None else b"",
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=cwd,
    )
    doc = json.loads(p.stdout) if p.stdout.strip() else None
    return p.returncode, doc, p.stderr.decode()


def claude_record(i: int, **extra: Any) -> Dict[str, Any]:
    """A realistic Claude Messages record with a UUID-style recordId."""
    rec: Dict[str, Any] = {
        # 11 characters from a UUID: the documented recordId form, unique per i.
        "recordId": uuid.uuid5(uuid.NAMESPACE_URL, f"ticket/{i}").hex[:11].upper(),
        "modelInput": {
            "anthropic_version": "bedrock-2023-05-31",
            "max_tokens": 256 + i % 512,
            "messages": [
                {"role": "user", "content": [{"type": "text", "text": f"Summarize ticket #{i}: “refund” ✓"}]}
            ],
        },
    }
    rec.update(extra)
    return rec


def jsonl(records: List[Dict[str, Any]]) -> bytes:
    """The records as compact JSONL, as validate_records writes dicts."""
    return b"".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")).encode() + b"\n" for r in records)


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Runs the test from the repository root (relative fixture paths, as a user would)."""
    monkeypatch.chdir(REPO)
    return REPO


_skipped: List[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI every test must run: a skip (no pyspark, no wheel folder) fails the run."""
    if os.environ.get("CI") and _skipped and exitstatus == 0:
        print(f"\nCI: {len(_skipped)} test(s) skipped, which CI does not allow: {_skipped}")
        session.exitstatus = 1
