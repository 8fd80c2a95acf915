"""The peers of `benches/compare.py` that live outside the system: installed here, versions recorded.

Python peers (orjson, jsonschema-rs, fastjsonschema, jsonschema) go into a virtual environment at
`target/bench/venv`, pinned by `benches/peers/requirements.txt`. Node peers (Ajv and the
`@sourcemeta/jsonschema` CLI) go into a local npm prefix at `target/bench/node`, pinned by
`benches/peers/package.json`. Nothing is installed system-wide; both folders are reused while
their pin file is unchanged (a stamp file holds the pin file's hash).

`ensure()` returns the paths the rows need and the reasons a group could not be installed, so a
row that needs a missing peer is listed as skipped instead of failing the run.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys

BENCHES = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCHES)
PEERS = os.path.join(BENCHES, "peers")
CACHE = os.path.join(ROOT, "target", "bench")
VENV = os.path.join(CACHE, "venv")
NODE = os.path.join(CACHE, "node")
REQUIREMENTS = os.path.join(PEERS, "requirements.txt")
PACKAGE_JSON = os.path.join(PEERS, "package.json")

PY_PACKAGES = ("orjson", "jsonschema-rs", "fastjsonschema", "jsonschema")
NODE_PACKAGES = ("ajv", "@sourcemeta/jsonschema")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _digest(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def _fresh(stamp: str, pins: str) -> bool:
    try:
        with open(stamp, encoding="utf-8") as f:
            return f.read().strip() == _digest(pins)
    except OSError:
        return False


def _stamp(stamp: str, pins: str) -> None:
    with open(stamp, "w", encoding="utf-8") as f:
        f.write(_digest(pins) + "\n")


def venv_python() -> str:
    return os.path.join(VENV, "bin", "python")


def ensure_python() -> str | None:
    """None when the venv holds the pinned Python peers (creating it if needed), else why not."""
    stamp = os.path.join(VENV, ".pins")
    if os.access(venv_python(), os.X_OK) and _fresh(stamp, REQUIREMENTS):
        return None
    log(f"installing the Python peers into {os.path.relpath(VENV, ROOT)} (pip, {os.path.relpath(REQUIREMENTS, ROOT)}) ...")
    if not os.access(venv_python(), os.X_OK):
        p = subprocess.run([sys.executable, "-m", "venv", VENV], check=False)
        if p.returncode != 0:
            return f"`{sys.executable} -m venv {VENV}` failed (exit {p.returncode})"
    p = subprocess.run([venv_python(), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        "-r", REQUIREMENTS], check=False)
    if p.returncode != 0:
        return f"`pip install -r {os.path.relpath(REQUIREMENTS, ROOT)}` into the venv failed (exit {p.returncode})"
    _stamp(stamp, REQUIREMENTS)
    return None


def node_modules() -> str:
    return os.path.join(NODE, "node_modules")


def sourcemeta_cli() -> str:
    return os.path.join(node_modules(), ".bin", "jsonschema")


def ensure_node() -> str | None:
    """None when the npm prefix holds the pinned Node peers (installing them if needed), else why not."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "`node` and `npm` are needed for the Node rows and are not on PATH"
    stamp = os.path.join(NODE, ".pins")
    if os.path.isdir(node_modules()) and _fresh(stamp, PACKAGE_JSON):
        return None
    log(f"installing the Node peers into {os.path.relpath(NODE, ROOT)} (npm, {os.path.relpath(PACKAGE_JSON, ROOT)}) ...")
    os.makedirs(NODE, exist_ok=True)
    shutil.copyfile(PACKAGE_JSON, os.path.join(NODE, "package.json"))
    p = subprocess.run(["npm", "install", "--prefix", NODE, "--no-audit", "--no-fund", "--loglevel=error"],
                       check=False)
    if p.returncode != 0:
        return f"`npm install --prefix {NODE}` failed (exit {p.returncode})"
    _stamp(stamp, PACKAGE_JSON)
    return None


def versions(python_ok: bool, node_ok: bool) -> dict:
    """Installed versions of every peer (None for a group that is not installed)."""
    out: dict = {}
    if python_ok:
        prog = ("import importlib.metadata as m, json, sys; "
                "print(json.dumps({p: m.version(p) for p in sys.argv[1:]}))")
        p = subprocess.run([venv_python(), "-c", prog, *PY_PACKAGES], check=False, capture_output=True, text=True)
        try:
            out.update(json.loads(p.stdout))
        except ValueError:
            pass
        p = subprocess.run([venv_python(), "--version"], check=False, capture_output=True, text=True)
        out["venv python"] = p.stdout.strip() or None
    if node_ok:
        for name in NODE_PACKAGES:
            try:
                with open(os.path.join(node_modules(), name, "package.json"), encoding="utf-8") as f:
                    out[name] = json.load(f).get("version")
            except (OSError, ValueError):
                out[name] = None
        p = subprocess.run(["node", "--version"], check=False, capture_output=True, text=True)
        out["node"] = p.stdout.strip() or None
    return out
