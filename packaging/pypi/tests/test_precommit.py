"""The default pre-commit hook, `bedrock-batch-validate` (`language: python`), run by the real
`pre-commit` against the locally built wheel instead of PyPI: pip is pointed at the wheel folder
(`$BB_WHEELHOUSE`) with the index switched off, so the root setup.py placeholder resolves its
`bedrock-batch==VERSION` pin to that wheel. No Rust toolchain is involved (CI runs this with no
cargo on PATH).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Dict

import pytest
from conftest import BROKEN, REPO, SAMPLE

WHEELHOUSE = os.environ.get("BB_WHEELHOUSE")
pytestmark = pytest.mark.skipif(
    not WHEELHOUSE, reason="set BB_WHEELHOUSE to the folder holding the built bedrock-batch wheel"
)


def env(home: Path) -> Dict[str, str]:
    e = dict(os.environ)
    e.update(
        PRE_COMMIT_HOME=str(home),
        PRE_COMMIT_COLOR="never",
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=str(WHEELHOUSE),
        # The placeholder has no [build-system]: with isolation pip would fetch setuptools
        # from the (switched off) index; the hook's venv already has it.
        PIP_NO_BUILD_ISOLATION="0",
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@example.com",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.com",
    )
    return e


def run(args, cwd: Path, home: Path) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=env(home), capture_output=True, text=True)


@pytest.fixture
def user_repo(tmp_path: Path) -> Path:
    """A repository holding batch input: a good folder and a bad one."""
    repo = tmp_path / "data-repo"
    (repo / "good").mkdir(parents=True)
    (repo / "bad").mkdir()
    (repo / "good" / "ok.jsonl").write_bytes(SAMPLE.read_bytes())
    (repo / "bad" / "broken.jsonl").write_bytes(BROKEN.read_bytes())
    (repo / "bedrock-batch.toml").write_text("min-records-per-job = 1\n")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    return repo


def test_try_repo_installs_the_wheel_and_judges_each_folder(user_repo: Path, tmp_path: Path) -> None:
    assert shutil.which("pre-commit"), "pre-commit is not installed in this environment"
    home = tmp_path / "pc-home"
    good = run(
        ["pre-commit", "try-repo", str(REPO), "bedrock-batch-validate", "--files", "good/ok.jsonl"],
        user_repo,
        home,
    )
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout

    bad = run(
        ["pre-commit", "try-repo", str(REPO), "bedrock-batch-validate", "--files", "bad/broken.jsonl", "good/ok.jsonl"],
        user_repo,
        home,
    )
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Failed" in bad.stdout
    assert "bad/broken.jsonl:3:153: L001" in bad.stdout, bad.stdout


def test_the_readme_config_snippet_with_a_local_rev(user_repo: Path, tmp_path: Path) -> None:
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True)
    (user_repo / ".pre-commit-config.yaml").write_text(
        "repos:\n"
        f"  - repo: {REPO}\n"
        f"    rev: {head.stdout.strip()}\n"
        "    hooks: [{id: bedrock-batch-validate}]\n"
    )
    subprocess.run(["git", "add", "-A"], cwd=user_repo, check=True)
    home = tmp_path / "pc-home"
    ok = run(["pre-commit", "run", "--files", "good/ok.jsonl"], user_repo, home)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    # The hook's environment holds the wheel's binary: installed, not built.
    installed = list(home.glob("repo*/py_env-*/bin/bedrock-batch"))
    assert len(installed) == 1, sorted(str(p) for p in home.rglob("*bedrock*"))
    everything = run(["pre-commit", "run", "--all-files"], user_repo, home)
    assert everything.returncode == 1, everything.stdout + everything.stderr
    assert "bad/broken.jsonl:3:153: L001" in everything.stdout
