"""Placeholder that lets pre-commit's `language: python` hook install the prebuilt wheel.

pre-commit runs `pip install .` on this repository for the `bedrock-batch-validate` hook. The
root is a Cargo package, so this file only asks for the published `bedrock-batch` wheel (the
CLI binary and the Python API, built from packaging/pypi/), which needs no Rust toolchain. The pin
moves with every release: it must equal `version` in Cargo.toml (.ci/run checks it). The same
layout as crate-ci/typos.
"""

from setuptools import setup

BEDROCK_BATCH_VERSION = "0.1.0"

setup(
    name="pre_commit_placeholder_package",
    version="0.0.0",
    install_requires=[f"bedrock-batch=={BEDROCK_BATCH_VERSION}"],
    # Nothing of this repository is Python to install; stops setuptools from scanning it.
    packages=[],
    py_modules=[],
)
