"""What the benchmark scripts share (they run as `python bench/<script>.py`, so this folder is on the path)."""
from __future__ import annotations

import subprocess
from pathlib import Path


def code_version(code: Path) -> str:
    """The commit of the measured tree (and '+changes' when it has uncommitted edits)."""
    try:
        commit = subprocess.run(["git", "-C", str(code), "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(code), "status", "--porcelain", "--", "beschikbaarheid"], capture_output=True,
                               text=True).stdout.strip()
        return commit + ("+changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return f"tree at {code}"
