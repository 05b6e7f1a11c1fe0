"""The data folder is readable by the account that runs safeshare and by nobody else.

Folders 0700, files 0600; the process umask is 077 from start-up, so every file a store,
a report or an export creates later is private too. `secure_data_folder` also tightens a
data folder made by an older version (run by `safeshare init`).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077
FOLDER_MODE = 0o700
FILE_MODE = 0o600


def restrict_new_files() -> None:
    """From now on, nothing this process creates is readable by another local user."""
    os.umask(PRIVATE_UMASK)


def make_private_folder(path: Path) -> None:
    """`path` (and missing parents) created 0700; an existing one tightened to 0700."""
    path.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    os.chmod(path, FOLDER_MODE)


def secure_data_folder(data: Path) -> list[Path]:
    """Every folder under `data` 0700 and every file 0600 (symbolic links are not followed);
    the paths whose mode was changed."""
    changed: list[Path] = []
    if not data.is_dir():
        return changed
    for path, mode in [(data, FOLDER_MODE)] + [
        (p, FOLDER_MODE if p.is_dir() else FILE_MODE)
        for p in sorted(data.rglob("*"))
        if not p.is_symlink()
    ]:
        current = stat.S_IMODE(os.lstat(path).st_mode)
        if current != mode:
            os.chmod(path, mode)
            changed.append(path)
    return changed
