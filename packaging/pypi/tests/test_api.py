"""The Python API against the CLI it ships: same findings, same summaries, same errors."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import bedrock_batch as bb
import pytest
from conftest import BROKEN, HAIKU, SAMPLE, claude_record, cli, cli_exe, jsonl


def as_doc_diagnostics(report: bb.Report) -> list:
    return [d.to_json() for d in report.diagnostics]


def assert_same(report: bb.Report, code: int, doc: dict) -> None:
    """The report holds exactly what the CLI printed."""
    assert report.exit_code == code
    assert report.raw == doc
    assert as_doc_diagnostics(report) == doc["diagnostics"]
    assert report.verdict.status == doc["verdict"]["status"]
    assert report.verdict.message == doc["verdict"]["message"]
    s = doc["summary"]
    assert (report.summary.errors, report.summary.warnings, report.summary.infos) == (
        s["errors"],
        s["warnings"],
        s["infos"],
    )
    assert (report.summary.records, report.summary.bytes, report.summary.files) == (
        s["records"],
        s["bytes"],
        s["files"],
    )
    assert report.summary.by_code == s["by_code"]


def test_the_package_is_the_installed_wheel_with_its_binary() -> None:
    assert "site-packages" in bb.__file__, bb.__file__
    assert os.path.samefile(bb.find_bin(), cli_exe())
    assert (Path(bb.__file__).parent / "py.typed").is_file()
    out = subprocess.run([cli_exe(), "--version"], capture_output=True, text=True).stdout
    assert out.strip() == f"bedrock-batch {bb.__version__}"


def test_python_dash_m_runs_the_cli_with_its_exit_code(in_repo: Path) -> None:
    v = subprocess.run([sys.executable, "-m", "bedrock_batch", "--version"], capture_output=True, text=True)
    assert v.returncode == 0 and v.stdout.strip() == f"bedrock-batch {bb.__version__}"
    bad = subprocess.run(
        [sys.executable, "-m", "bedrock_batch", "validate", "--format", "json", str(BROKEN.relative_to(in_repo))],
        capture_output=True,
    )
    assert bad.returncode == 1
    assert json.loads(bad.stdout)["verdict"]["status"] == "Failed"


def test_validate_sample_is_scheduled(in_repo: Path) -> None:
    report = bb.validate("fixtures/sample/claude-batch.jsonl", model_id=HAIKU)
    code, doc, _ = cli(["validate", "--format", "json", "--model-id", HAIKU, "fixtures/sample/claude-batch.jsonl"])
    assert code == 0
    assert_same(report, code, doc)
    assert report.verdict.status == "Scheduled" and report.verdict.message is None
    assert report.summary.records == 120
    assert report.files == [bb.FileSummary("fixtures/sample/claude-batch.jsonl", 120, SAMPLE.stat().st_size)]
    assert report.model_id == HAIKU and report.family is not None
    assert report.quotas is not None and report.quotas.min_records_per_job == 100


def test_validate_broken_sample_gives_the_cli_findings(in_repo: Path) -> None:
    report = bb.validate(["fixtures/sample/broken-batch.jsonl"])
    code, doc, _ = cli(["validate", "--format", "json", "fixtures/sample/broken-batch.jsonl"])
    assert code == 1
    assert_same(report, code, doc)
    assert report.verdict.status == "Failed"
    assert report.verdict.message.startswith("L001 invalid-json at fixtures/sample/broken-batch.jsonl:3:")
    codes = [d.code for d in report.diagnostics]
    assert {"L001", "R002", "R006", "L003", "Q005"} <= set(codes)
    dup = next(d for d in report.diagnostics if d.code == "R006")
    assert (dup.name, dup.severity, dup.phase, dup.pointer) == ("duplicate-record-id", "error", "inference", "/recordId")
    assert dup.path == "fixtures/sample/broken-batch.jsonl" and dup.line == 4 and dup.column == 14
    job_level = [d for d in report.diagnostics if d.path is None]
    assert [d.code for d in job_level] == ["Q005"] and job_level[0].line is None


def test_options_are_the_cli_flags(in_repo: Path, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.jsonl").write_bytes(SAMPLE.read_bytes())
    (folder / "b.jsonl").write_bytes(BROKEN.read_bytes())
    (folder / "notes.txt").write_text("not input\n")
    kwargs = dict(
        model_id=HAIKU,
        min_records_per_job=1,
        max_records_per_file=100,
        max_file_bytes="30kB",
        max_diagnostics=3,
        ignore=["L003"],
        fail_on="warning",
        threads=1,
        no_mmap=True,
    )
    report = bb.validate(folder, **kwargs)
    code, doc, _ = cli(
        [
            "validate", "--format", "json", "--model-id", HAIKU, "--min-records-per-job", "1",
            "--max-records-per-file", "100", "--max-file-bytes", "30kB", "--max-diagnostics", "3",
            "--ignore", "L003", "--fail-on", "warning", "--threads", "1", "--no-mmap", str(folder),
        ]
    )
    assert_same(report, code, doc)
    assert report.summary.diagnostics_truncated and len(report.diagnostics) == 3
    assert "L003" not in report.summary.by_code
    assert {"Q001", "Q002", "F003"} <= set(report.summary.by_code)
    assert report.quotas == bb.Quotas(1, 100, 50000, 30000, 5_000_000_000)

    only = bb.validate(folder, select="R006,F003", min_records_per_job=1)
    assert set(only.summary.by_code) == {"R006", "F003"}


def test_group_folder_gives_one_report_per_job(tmp_path: Path) -> None:
    for name, src in (("good", SAMPLE), ("bad", BROKEN)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "part-0.jsonl").write_bytes(src.read_bytes())
    report = bb.validate([tmp_path / "good" / "part-0.jsonl", tmp_path / "bad" / "part-0.jsonl"], group="folder")
    code, doc, _ = cli(["validate", "--format", "json", "--group", "folder",
                        str(tmp_path / "good" / "part-0.jsonl"), str(tmp_path / "bad" / "part-0.jsonl")])
    assert_same(report, code, doc)
    assert [j.job for j in report.jobs] == [j["job"] for j in doc["jobs"]]
    by_job = {Path(j.job).name: j for j in report.jobs}
    assert by_job["bad"].verdict.status == "Failed"
    assert by_job["good"].verdict.status == "Scheduled" and by_job["good"].diagnostics == []
    # The ids repeated across the two files are not duplicates: they are two jobs.
    assert [d.message for d in by_job["bad"].diagnostics if d.code == "R006"] == [
        f'recordId "CALL0000001" is already used at {tmp_path / "bad" / "part-0.jsonl"}:1'
    ]
    assert report.summary.records == 126 and report.exit_code == 1


def test_validate_records_dicts_equal_the_cli_on_the_same_lines() -> None:
    # 3,000 realistic records (UUID-style ids) with planted mistakes of other families and
    # of pandas pipelines: a modelId inside the body, a Converse-style body, a repeated id, a
    # NaN where a number should be, a missing recordId.
    records = [claude_record(i) for i in range(3000)]
    records[17]["modelInput"]["modelId"] = HAIKU
    records[420]["modelInput"] = {"messages": [{"role": "user", "content": [{"text": "hi"}]}], "inferenceConfig": {"maxTokens": 10}}
    records[999]["recordId"] = records[5]["recordId"]
    records[1500]["modelInput"]["max_tokens"] = math.nan
    del records[2999]["recordId"]
    report = bb.validate_records(records, model_id=HAIKU, stdin_filename="part-0001.jsonl")
    code, doc, _ = cli(
        ["validate", "--format", "json", "--model-id", HAIKU, "--stdin-filename", "part-0001.jsonl", "-"],
        stdin=jsonl(records),
    )
    assert code == 1
    assert_same(report, code, doc)
    lines = {d.line for d in report.diagnostics}
    assert {18, 421, 1000, 1501, 3000} <= lines, sorted(lines)
    assert {d.code for d in report.diagnostics if d.line == 1501} == {"L001"}
    assert next(d for d in report.diagnostics if d.line == 1000).message.endswith("part-0001.jsonl:6")
    assert any(d.code == "M002" and d.line == 18 and d.pointer == "/modelInput/modelId" for d in report.diagnostics)
    assert report.summary.records == 3000


def test_validate_records_takes_str_and_bytes_lines_byte_for_byte(in_repo: Path) -> None:
    raw = BROKEN.read_bytes()
    lines = raw.split(b"\n")
    assert lines[-1] == b""
    lines = lines[:-1]
    code, doc, _ = cli(["validate", "--format", "json", "fixtures/sample/broken-batch.jsonl"])
    name = "fixtures/sample/broken-batch.jsonl"
    as_bytes = bb.validate_records(iter(lines), stdin_filename=name)
    assert_same(as_bytes, code, doc)
    # str lines, each with its own line end (as `open(...)` iterates them, CRLF kept).
    with open(BROKEN, encoding="utf-8", newline="") as f:
        as_str = bb.validate_records(f, stdin_filename=name)
    assert_same(as_str, code, doc)
    # A mix of the three kinds in one job.
    mixed = [json.loads(lines[0])] + [ln.decode() for ln in lines[1:4]] + lines[4:]
    assert bb.validate_records(mixed, stdin_filename=name).summary.by_code == doc["summary"]["by_code"]


def test_line_is_the_position_in_the_iterable() -> None:
    def gen():
        for i in range(1, 5001):
            yield claude_record(i) if i != 4321 else "{not json"

    report = bb.validate_records(gen(), min_records_per_job=1)
    (d,) = report.diagnostics
    assert (d.code, d.path, d.line, d.column) == ("L001", "<stdin>", 4321, 2)
    assert report.summary.records == 5000


def test_empty_records_are_an_empty_job() -> None:
    report = bb.validate_records([])
    assert report.verdict.status == "Failed"
    assert [d.code for d in report.diagnostics] == ["F002", "Q005"]


def test_bad_records_raise_before_anything_runs() -> None:
    with pytest.raises(ValueError, match="record 2 holds a line break"):
        bb.validate_records([claude_record(1), json.dumps(claude_record(2), indent=2)])
    with pytest.raises(TypeError, match="record 3 is a list"):
        bb.validate_records([claude_record(1), b"{}", [1, 2]])


def test_tool_errors_raise_error_with_the_cli_message(tmp_path: Path) -> None:
    missing = tmp_path / "nope.jsonl"
    code, _, err = cli(["validate", "--format", "json", str(missing)])
    assert code == 2
    with pytest.raises(bb.Error) as e:
        bb.validate(missing)
    assert str(e.value) == err.strip().splitlines()[-1]
    assert e.value.exit_code == 2
    assert str(e.value).startswith("bedrock-batch: error: cannot read")

    with pytest.raises(bb.Error, match="invalid value 'sometimes' for '--fail-on"):
        bb.validate(SAMPLE, fail_on="sometimes")  # type: ignore[arg-type]
    with pytest.raises(bb.Error, match="schema"):
        bb.validate_records([claude_record(1)], schema=tmp_path / "no-such-schema.json")
    with pytest.raises(ValueError):
        bb.validate([])


def test_shard_returns_the_cli_summary(tmp_path: Path) -> None:
    summary = bb.shard(SAMPLE, tmp_path / "out", max_records_per_file=50, min_records_per_job=1)
    code, doc, _ = cli(
        ["shard", "--format", "json", "--max-records-per-file", "50", "--min-records-per-job", "1",
         "--out", str(tmp_path / "cli"), str(SAMPLE)]
    )
    assert code == 0 and summary.exit_code == 0
    assert summary.status == "written"
    assert summary.raw["manifest"] == doc["manifest"]
    assert (summary.input.records, summary.output.records, summary.output.files) == (120, 120, 3)
    assert sum(f.records for f in summary.manifest.jobs[0].files) == 120
    assert all(f.records <= 50 for f in summary.manifest.jobs[0].files)
    for f in summary.manifest.jobs[0].files:
        assert (tmp_path / "out" / f.path).stat().st_size == f.bytes

    with pytest.raises(bb.Error, match="not empty"):
        bb.shard(SAMPLE, tmp_path / "out")
    again = bb.shard(SAMPLE, tmp_path / "out", force=True, min_records_per_job=1)
    assert again.output.files == 1


def test_shard_of_invalid_input_refuses_with_the_report(tmp_path: Path) -> None:
    with pytest.raises(bb.ShardRefused) as e:
        bb.shard(BROKEN, tmp_path / "out", min_records_per_job=1)
    assert e.value.report is not None and e.value.report.verdict.status == "Failed"
    assert "nothing was written" in str(e.value)
    assert not (tmp_path / "out").exists()
    assert isinstance(e.value, bb.Error)

    skipped = bb.shard(BROKEN, tmp_path / "skip", on_invalid="skip", min_records_per_job=1)
    assert skipped.exit_code == 1
    assert skipped.left_out.invalid_records == 3 and skipped.left_out.on_invalid == "skip"
    assert skipped.output.records == 3

    with pytest.raises(bb.ShardRefused) as q:
        bb.shard(SAMPLE, tmp_path / "q", max_file_bytes=200, min_records_per_job=1)
    assert q.value.quota is not None and q.value.report is None


def test_results_returns_the_cli_summary_and_writes_the_retry_file(in_repo: Path, tmp_path: Path) -> None:
    inp, out = "fixtures/results/claude/input", "fixtures/results/claude/output"
    summary = bb.results(inp, out, retry=tmp_path / "retry.jsonl", joined=tmp_path / "joined.jsonl")
    code, doc, _ = cli(["results", "--format", "json", "--input", inp, "--output", out,
                        "--retry", str(tmp_path / "cli-retry.jsonl")])
    assert code == 1 and summary.exit_code == 1
    assert summary.counts == bb.ResultCounts(**doc["counts"])
    assert summary.counts.succeeded + summary.counts.failed + summary.counts.missing + summary.counts.not_joinable == summary.counts.input_records
    assert summary.failures == doc["failures"] and "429" in summary.failures
    assert summary.manifest == doc["manifest"]
    assert [d.counter for d in summary.disagreements] == [d["counter"] for d in doc["disagreements"]]
    assert summary.tokens == doc["tokens"]
    assert summary.retry is not None and summary.retry.records == summary.counts.failed + summary.counts.missing
    assert (tmp_path / "retry.jsonl").read_bytes() == (tmp_path / "cli-retry.jsonl").read_bytes()
    assert summary.joined is not None and summary.joined.records == sum(1 for _ in open(tmp_path / "joined.jsonl"))

    # The retry file is the next job's input: it validates like any other.
    again = bb.validate(tmp_path / "retry.jsonl", min_records_per_job=1)
    assert again.summary.records == summary.retry.records

    throttled = bb.results([inp], out, retry=tmp_path / "429.jsonl", retry_only=["throttled"])
    assert throttled.retry is not None and throttled.retry.records == summary.failures["429"]

    with pytest.raises(bb.Error, match="not a job's output folder"):
        bb.results(inp, tmp_path)
