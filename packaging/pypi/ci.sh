#!/usr/bin/env bash
# The Python distribution as a user gets it, checked end to end (run by .ci/run; works from any
# folder). Installs everything it needs itself, into venvs under target/python/:
#   1. builds the wheel with maturin (the one the tests install), and again with zig as
#      manylinux2014 (glibc 2.17+: Amazon Linux 2, AWS Glue 4), checking tags, contents and
#      glibc symbol versions;
#   2. installs it into a FRESH venv with `pip install --no-index --find-links`;
#   3. with NO cargo on PATH: the CLI on the good and the broken sample, `python -m
#      bedrock_batch`, mypy --strict on the installed package, and pytest: the API against the
#      CLI, the `language: python` pre-commit hook through `pre-commit try-repo` on the local
#      wheel, the Spark recipe on local[2].
# Each part prints how long it took.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

# Pinned tools: the build and the tests must not change under us.
MATURIN=maturin==1.16.0
ZIGLANG=ziglang==0.17.1
TEST_DEPS=(pytest==9.2.0 pre-commit==4.7.0 pyspark==4.3.0 pandas==2.3.3 pyarrow==26.0.1 mypy==2.4.1)

export PIP_DISABLE_PIP_VERSION_CHECK=1
OUT=$ROOT/target/python
WHEELS=$OUT/wheels
BUILD_VENV=$OUT/build-venv
USER_VENV=$OUT/user-venv
t0=$SECONDS
part() { printf -- '-- %s (%ss so far)\n' "$*" $((SECONDS - t0)); }

VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
PIN=$(sed -n 's/^BEDROCK_BATCH_VERSION = "\(.*\)"/\1/p' setup.py)
if [ "$PIN" != "$VERSION" ]; then
    echo "setup.py pins bedrock-batch==$PIN but Cargo.toml is $VERSION: the python pre-commit hook would install another release" >&2
    exit 1
fi

part "build venv: $MATURIN $ZIGLANG"
rm -rf "$WHEELS" "$USER_VENV"
[ -x "$BUILD_VENV/bin/maturin" ] || python3 -m venv "$BUILD_VENV"
"$BUILD_VENV/bin/pip" install --quiet "$MATURIN" "$ZIGLANG"

part "maturin build (the wheel the tests install)"
# The dev profile: a release build (thin LTO) triples the time and tests nothing more here;
# the release workflow builds --release. This build reuses target/debug, so it is quick.
(cd packaging/pypi && PATH="$BUILD_VENV/bin:$PATH" maturin build -o "$WHEELS")
shopt -s nullglob
wheels=("$WHEELS"/bedrock_batch-"$VERSION"-py3-none-*.whl)
[ ${#wheels[@]} -eq 1 ] || { echo "expected one wheel in $WHEELS, found: ${wheels[*]}" >&2; exit 1; }
WHEEL=${wheels[0]}
echo "wheel: $(basename "$WHEEL") ($(du -k "$WHEEL" | cut -f1) KiB)"
check_wheel() {  # WHEEL MAX_GLIBC: contents, and the newest glibc symbol version the binary asks for
    python3 - "$1" "$VERSION" "$2" <<'PY'
import re, sys, zipfile
wheel, version, limit = sys.argv[1], sys.argv[2], tuple(map(int, sys.argv[3].split(".")))
z = zipfile.ZipFile(wheel)
names = set(z.namelist())
need = {f"bedrock_batch-{version}.data/scripts/bedrock-batch", "bedrock_batch/__init__.py",
        "bedrock_batch/__main__.py", "bedrock_batch/py.typed", "bedrock_batch/spark.py"}
missing = need - names
assert not missing, f"missing from the wheel: {sorted(missing)}"
binary = z.read(f"bedrock_batch-{version}.data/scripts/bedrock-batch")
glibc = sorted({tuple(map(int, v[len(b"GLIBC_"):].split(b"."))) for v in re.findall(rb"GLIBC_2\.[0-9]+(?:\.[0-9]+)?", binary)})
newest = ".".join(map(str, glibc[-1])) if glibc else "none"
assert glibc and glibc[-1] <= limit, f"the binary needs glibc {newest}, past {sys.argv[3]}"
print(f"{wheel.rsplit('/', 1)[-1]}: contents ok; newest glibc symbol version the binary asks for: {newest}")
PY
}
check_wheel "$WHEEL" 99.0

part "fresh venv: pip install --no-index --find-links $WHEELS bedrock-batch"
python3 -m venv "$USER_VENV"
"$USER_VENV/bin/pip" install --quiet --no-index --find-links "$WHEELS" bedrock-batch
part "test tools: ${TEST_DEPS[*]}"
"$USER_VENV/bin/pip" install --quiet "${TEST_DEPS[@]}"

# From here on nothing can build Rust: the venv and the system, no ~/.cargo/bin (until the
# zig build at the end, which gets the PATH it had).
CARGO_PATH=$PATH
export PATH="$USER_VENV/bin:/usr/bin:/bin"
if command -v cargo >/dev/null; then
    echo "cargo is still on PATH ($(command -v cargo)); the wheel must work without it" >&2
    exit 1
fi
hash -r

part "the CLI from the wheel"
test "$(bedrock-batch --version)" = "bedrock-batch $VERSION"
test "$(python -m bedrock_batch --version)" = "bedrock-batch $VERSION"
bedrock-batch validate --no-progress fixtures/sample/claude-batch.jsonl
set +e
bedrock-batch validate --no-progress fixtures/sample/broken-batch.jsonl >/dev/null
code=$?
set -e
[ "$code" -eq 1 ] || { echo "broken-batch.jsonl: expected exit 1, got $code" >&2; exit 1; }
echo "broken-batch.jsonl: exit 1, as it should"

part "mypy --strict on the installed package (its type hints and py.typed)"
(cd "$OUT" && python -m mypy --strict --ignore-missing-imports --no-incremental -p bedrock_batch)

part "pytest packaging/pypi/tests (API, pre-commit hook, Spark local[2])"
# The tests import the installed wheel, never the source folder.
(cd packaging/pypi/tests && BB_REPO="$ROOT" BB_WHEELHOUSE="$WHEELS" PYSPARK_PYTHON="$USER_VENV/bin/python" \
    python -m pytest -q -p no:cacheprovider --durations=8 .)
part "maturin build --zig --compatibility manylinux2014 (glibc 2.17+, what Glue 4 / Amazon Linux 2 need)"
# zig links against glibc 2.17 symbols. The default build has the `s3` feature, whose TLS stack
# (aws-lc-sys) some zig releases cannot build (aws/aws-lc-rs#993); the release workflow builds
# in the manylinux2014 container instead, where it can. If zig fails here, the core without
# `s3` is built the same way, so the glibc 2.17 tag and symbols are still checked.
ZIG_WHEELS=$OUT/wheels-manylinux2014
rm -rf "$ZIG_WHEELS"
if ! (cd packaging/pypi && PATH="$BUILD_VENV/bin:$CARGO_PATH" maturin build --zig --compatibility manylinux2014 -o "$ZIG_WHEELS" >"$OUT/zig-build.log" 2>&1); then
    echo "the zig build with default features failed; its last lines:"
    tail -n 15 "$OUT/zig-build.log"
    echo "building the core without the s3 feature with zig instead"
    (cd packaging/pypi && PATH="$BUILD_VENV/bin:$CARGO_PATH" maturin build --zig --compatibility manylinux2014 --no-default-features -o "$ZIG_WHEELS") \
        || echo "WARNING: no manylinux2014 wheel could be built with zig here; the release workflow builds them in the manylinux2014 container"
fi
zig_wheels=("$ZIG_WHEELS"/bedrock_batch-"$VERSION"-py3-none-*.whl)
if [ ${#zig_wheels[@]} -eq 1 ]; then
    case "$(basename "${zig_wheels[0]}")" in
        *manylinux2014_x86_64*manylinux_2_17_x86_64*|*manylinux_2_17_x86_64*manylinux2014_x86_64*) ;;
        *) echo "the wheel is not tagged manylinux2014 / manylinux_2_17: $(basename "${zig_wheels[0]}")" >&2; exit 1 ;;
    esac
    check_wheel "${zig_wheels[0]}" 2.17
fi

part "done"
