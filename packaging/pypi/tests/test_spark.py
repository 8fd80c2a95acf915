"""The Spark recipe (bedrock_batch.spark) on pyspark local[2] against the CLI: the same folder,
the same options, the same report, finding for finding (codes, places, words, order, verdict,
counts)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest

pyspark = pytest.importorskip("pyspark", reason="the Spark test needs pyspark (CI installs it)")

import bedrock_batch as bb  # noqa: E402
from bedrock_batch import spark as bbs  # noqa: E402
from conftest import HAIKU, claude_record, cli  # noqa: E402


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    # Executors must run this interpreter (the one with the wheel and pyarrow).
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    s = (
        SparkSession.builder.master("local[2]")
        .appName("bedrock-batch-spark-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    s.sparkContext.setLogLevel("ERROR")
    yield s
    s.stop()


def line(rec: Dict[str, Any]) -> bytes:
    return json.dumps(rec, ensure_ascii=False).encode()


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Path:
    """A job of five files with the mistakes that span files and the ones that do not."""
    root = tmp_path_factory.mktemp("batch") / "in"
    (root / "nested").mkdir(parents=True)
    recs = [claude_record(i) for i in range(4000)]

    # part-0000: 1,500 clean records, as pandas writes them.
    import pandas as pd

    pd.DataFrame(recs[:1500]).to_json(root / "part-0000.jsonl", orient="records", lines=True, force_ascii=False)

    # part-0001: BOM, CRLF, ids repeated from part-0000 (first line too), one repeated inside the
    # file, a line that is not JSON, one not an object, a body of another family, non-ASCII and
    # escaped ids, a repeated recordId key, no final newline.
    lines: List[bytes] = []
    for i in range(1500, 2600):
        lines.append(line(recs[i]))
    lines[0] = line(recs[10])  # id of part-0000:11, on the BOM line
    lines[50] = line(recs[700])
    lines[51] = line(recs[1600])  # repeated inside the file (line 101 is recs[1600] itself)
    lines[300] = b'{"recordId": "BADJSON0001", "modelInput": {"max_tokens": 10,}}'
    lines[301] = b'["recordId", "NOTANOBJECT"]'
    lines[400] = line(dict(recs[400], modelInput={"messages": [{"role": "user", "content": [{"text": "hi"}]}], "inferenceConfig": {"maxTokens": 5}}))  # a Nova body under a Claude model: one M014
    lines[500] = line(dict(recs[2100], recordId="Ünïcødé-ïd-1"))
    lines[501] = line(dict(recs[2101], recordId="Ünïcødé-ïd-1"))
    lines[600] = b'{"modelInput": {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]}, "recordId": "ESC\\u0041PED0001"}'
    lines[601] = b'{"recordId": "ESCAPED0001", "modelInput": {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 5, "messages": [{"role": "user", "content": "y"}]}}'
    lines[700] = b'{"recordId": "FIRSTVALUE1", "recordId": "' + recs[5]["recordId"].encode() + b'", "modelInput": {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 5, "messages": [{"role": "user", "content": "z"}]}}'
    lines[800] = b"   "
    (root / "part-0001.jsonl").write_bytes(b"\xef\xbb\xbf" + b"\r\n".join(lines[:200]) + b"\r\n" + b"\n".join(lines[200:]))

    # nested/part-0002: sorts before part-0000 ("n" < "p"): it holds the first use of an id
    # that part-0000 repeats.
    (root / "nested" / "part-0002.jsonl").write_bytes(b"".join(line(r) + b"\n" for r in [recs[3], recs[3000], recs[3001]]))
    # part-0003: empty; part-0004: the rest, with a record too deep for one parser to read.
    (root / "part-0003.jsonl").write_bytes(b"")
    (root / "part-0004.jsonl").write_bytes(b"".join(line(r) + b"\n" for r in recs[3002:4000]))
    return root


def cli_report(root: Path, *flags: str) -> Dict[str, Any]:
    code, doc, err = cli(["validate", "--format", "json", "--no-config", *flags, str(root)])
    assert code in (0, 1), err
    return doc


def assert_same_report(report: bb.Report, doc: Dict[str, Any]) -> None:
    assert [d.to_json() for d in report.diagnostics] == doc["diagnostics"]
    assert report.raw["verdict"] == doc["verdict"]
    assert report.raw["summary"] == doc["summary"]
    assert report.raw["files"] == doc["files"]
    assert report.raw["quotas"] == doc["quotas"]
    assert (report.model_id, report.family) == (doc["model_id"], doc["family"])


def test_spark_read_text_is_the_wrong_shape(spark, batch: Path) -> None:
    # spark.read.text: rows of bare lines (no file, no line number), and one file is cut into
    # several tasks, none of which sees the whole file. binaryFile: one row per file.
    one = str(batch / "part-0000.jsonl")
    key = "spark.sql.files.maxPartitionBytes"
    spark.conf.set(key, str(64 * 1024))
    try:
        text = spark.read.text(one)
        assert text.columns == ["value"]
        assert text.rdd.getNumPartitions() > 1
        files = spark.read.format("binaryFile").load(one)
        assert files.count() == 1 and files.rdd.getNumPartitions() == 1
    finally:
        spark.conf.unset(key)


def test_binary_files_give_the_cli_findings(spark, batch: Path) -> None:
    doc = cli_report(batch, "--model-id", HAIKU, "--max-diagnostics", "100000")
    assert doc["verdict"]["status"] == "Failed"
    codes = set(doc["summary"]["by_code"])
    assert {"R006", "L001", "L007", "L005", "L004", "L006", "L003", "M014"} <= codes, codes
    # Cross-file duplicates are in the CLI's report, with the first place in another file.
    assert any("part-0000.jsonl" in d["message"] for d in doc["diagnostics"] if d["code"] == "R006" and d["path"].endswith("part-0001.jsonl"))
    report = bbs.validate_files(spark, str(batch), model_id=HAIKU, max_diagnostics=100000)
    assert_same_report(report, doc)
    assert report.exit_code == 1


def test_keys_read_by_executors_give_the_cli_findings(spark, batch: Path) -> None:
    keys = sorted(str(p) for p in batch.rglob("*.jsonl"))
    doc = cli_report(batch, "--model-id", HAIKU)
    report = bbs.validate_keys(spark, list(reversed(keys)), model_id=HAIKU, partitions=3)
    assert_same_report(report, doc)


def test_a_capped_listing_and_the_job_quotas_match(spark, batch: Path) -> None:
    # The job quotas over all files.
    flags = ["--max-diagnostics", "100000", "--max-records-per-job", "3000", "--max-job-bytes", "500kB",
             "--min-records-per-job", "5000", "--max-records-per-file", "1000"]
    doc = cli_report(batch, *flags)
    assert {"Q002", "Q003", "Q004", "Q005"} <= set(doc["summary"]["by_code"])
    kw = dict(max_diagnostics=100000, max_records_per_job=3000, max_job_bytes="500kB", min_records_per_job=5000,
              max_records_per_file=1000)
    assert_same_report(bbs.validate_files(spark, str(batch), **kw), doc)
    assert_same_report(bbs.validate_keys(spark, [str(p) for p in batch.rglob("*.jsonl")], **kw), doc)


@pytest.mark.parametrize("cap", [1, 3, 12])
def test_a_capped_listing_keeps_errors_first_as_the_cli_does(spark, batch: Path, cap: int) -> None:
    # Under a small cap the CLI lists errors first (then warnings, then infos), in report order,
    # with job-level findings on top: the Spark reduce keeps the very same ones.
    doc = cli_report(batch, "--model-id", HAIKU, "--max-diagnostics", str(cap), "--min-records-per-job", "5000")
    assert doc["summary"]["diagnostics_truncated"]
    assert any(d["code"] == "Q005" for d in doc["diagnostics"])
    assert_same_report(bbs.validate_files(spark, str(batch), model_id=HAIKU, max_diagnostics=cap, min_records_per_job=5000), doc)
    assert_same_report(
        bbs.validate_keys(spark, [str(p) for p in batch.rglob("*.jsonl")], model_id=HAIKU, max_diagnostics=cap,
                          min_records_per_job=5000),
        doc,
    )


def test_a_clean_job_is_scheduled(spark, tmp_path: Path) -> None:
    root = tmp_path / "clean"
    root.mkdir()
    for k in range(3):
        (root / f"part-{k}.jsonl").write_bytes(b"".join(line(claude_record(k * 100 + i)) + b"\n" for i in range(100)))
    doc = cli_report(root, "--model-id", HAIKU)
    report = bbs.validate_files(spark, str(root), model_id=HAIKU)
    assert_same_report(report, doc)
    assert report.verdict.status == "Scheduled" and report.exit_code == 0 and report.diagnostics == []
