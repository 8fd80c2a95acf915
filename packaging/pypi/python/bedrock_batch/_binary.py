"""Finding the ``bedrock-batch`` executable that the wheel installed.

The wheel puts the Rust binary in the interpreter's scripts folder (``bin/`` of a venv,
``Scripts\\`` on Windows), next to where pip puts every console script. It is looked up there,
not on ``PATH``, so the API always runs the binary of the same release as this package, even when
a ``cargo install``-ed copy of another version comes first on ``PATH``.
"""

from __future__ import annotations

import os
import sys
import sysconfig
from pathlib import Path

#: Set to a path to run that binary instead (a development build, or a copy on a Spark executor
#: outside the interpreter's scripts folder).
ENV_OVERRIDE = "BEDROCK_BATCH_BIN"


def _exe_name() -> str:
    return "bedrock-batch" + (sysconfig.get_config_var("EXE") or "")


def _user_scheme() -> str:
    if sys.version_info >= (3, 10):
        return sysconfig.get_preferred_scheme("user")
    if os.name == "nt":
        return "nt_user"
    if sys.platform == "darwin" and getattr(sys, "_framework", None):
        return "osx_framework_user"
    return "posix_user"


def candidates() -> list[Path]:
    """The places the binary may be, in the order they are tried."""
    name = _exe_name()
    found = [Path(sysconfig.get_path("scripts")) / name]
    try:
        found.append(Path(sysconfig.get_path("scripts", scheme=_user_scheme())) / name)
    except KeyError:  # a scheme this interpreter does not define
        pass
    # `pip install --target DIR` puts the package in DIR and the scripts in DIR/bin.
    found.append(Path(__file__).resolve().parent.parent / "bin" / name)
    # An interpreter run by full path from a venv that is not activated.
    found.append(Path(sys.executable).parent / name)
    return found


def find_bin() -> str:
    """Returns the path of the ``bedrock-batch`` binary installed with this package.

    ``$BEDROCK_BATCH_BIN``, when set, wins. Raises :class:`FileNotFoundError` naming the places
    looked at when there is none.
    """
    override = os.environ.get(ENV_OVERRIDE)
    if override:
        if not os.path.isfile(override):
            raise FileNotFoundError(f"${ENV_OVERRIDE} is {override!r}, which is not a file")
        return override
    tried = candidates()
    for path in tried:
        if path.is_file():
            return os.fsdecode(path)
    raise FileNotFoundError(
        "the bedrock-batch binary is not installed next to this Python package (looked in "
        + ", ".join(str(p.parent) for p in tried)
        + "); reinstall with `pip install --force-reinstall bedrock-batch`, or set "
        + ENV_OVERRIDE
    )
