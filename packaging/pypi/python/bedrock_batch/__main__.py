"""``python -m bedrock_batch ...``: runs the bundled ``bedrock-batch`` binary with the same
arguments, standard streams and exit code, as if it had been called by name."""

from __future__ import annotations

import os
import sys

from ._binary import find_bin


def main() -> None:
    """Replaces this process with the binary (on Windows, where exec does not keep the console
    attached, runs it and exits with its code)."""
    try:
        exe = find_bin()
    except FileNotFoundError as e:
        print(f"bedrock-batch: error: {e}", file=sys.stderr)
        sys.exit(2)
    if sys.platform == "win32":
        import subprocess

        sys.exit(subprocess.run([exe, *sys.argv[1:]]).returncode)
    os.execv(exe, [exe, *sys.argv[1:]])


if __name__ == "__main__":
    main()
