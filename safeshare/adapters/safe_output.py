"""Where safeshare writes a file a person asked for (`--out`, an export folder), safely.

- never over an existing file unless the person said `--force`;
- never through a symbolic link (the final name is opened with ``O_NOFOLLOW | O_EXCL``; a forced
  replacement is written beside it and renamed over it, which replaces a link, never its target);
- never inside the data folder's ``keys/`` or ``school/`` folders, over a configured key file or
  over one of the stores;
- created ``0600``; a folder it creates ``0700``;
- a missing folder, a folder that is not empty, or a name that is a folder is a clear error
  naming the option, never a traceback.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from domain.errors import InvalidValue
from safeshare.settings import Settings

FILE_MODE = 0o600
FOLDER_MODE = 0o700
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


@dataclass(frozen=True)
class OutputGuard:
    """The places a requested output may never go, resolved once."""

    protected_folders: tuple[Path, ...]
    protected_files: tuple[Path, ...]

    @classmethod
    def of(cls, settings: Settings) -> OutputGuard:
        folders = (settings.keys_dir, settings.data / "school")
        files: list[Path] = [
            settings.kek_path,
            settings.cipher_key_path,
            settings.audit_key_path,
            settings.audit_public_key_path,
        ]
        for store in (
            settings.events_db,
            settings.keystore_db,
            settings.projections_db,
            settings.broker_db,
        ):
            files += [
                store,
                store.with_name(store.name + "-wal"),
                store.with_name(store.name + "-shm"),
            ]
        if settings.tls_client_key is not None:
            files.append(settings.tls_client_key)
        return cls(tuple(_real(f) for f in folders), tuple(_real(f) for f in files))

    def check_allowed(self, option: str, target: Path) -> None:
        """Refuse a target inside a protected folder or naming a protected file."""
        real = _real(target)
        for folder in self.protected_folders:
            if real == folder or real.is_relative_to(folder):
                raise InvalidValue(
                    option, f"{target} is inside {folder}, which holds keys; choose another place"
                )
        if real in self.protected_files:
            raise InvalidValue(option, f"{target} is one of safeshare's own keys or stores")

    def write_file(self, option: str, path: Path, data: bytes, force: bool = False) -> Path:
        """Write `data` to a new file at `path` (0600), or replace a regular file if `force`."""
        path = Path(os.path.abspath(path))
        folder = path.parent
        if not folder.is_dir():
            raise InvalidValue(option, f"the folder {folder} does not exist")
        target = _real(folder) / path.name
        self.check_allowed(option, target)
        try:
            found = os.lstat(target)
        except FileNotFoundError:
            _create(option, target, data)
            return target
        if stat.S_ISLNK(found.st_mode):
            raise InvalidValue(
                option, f"{path} is a symbolic link; safeshare never writes through one"
            )
        if stat.S_ISDIR(found.st_mode):
            raise InvalidValue(option, f"{path} is a folder; give a file name")
        if not force:
            raise InvalidValue(option, f"{path} already exists; give --force to replace it")
        if not stat.S_ISREG(found.st_mode):
            raise InvalidValue(option, f"{path} is not a regular file")
        staging = target.with_name(f".{target.name}.{secrets.token_hex(8)}.part")
        _create(option, staging, data)
        os.replace(staging, target)
        return target

    def new_folder(self, option: str, path: Path) -> Path:
        """An empty folder to write an export into: created (0700) if missing, its parent must
        exist; an existing folder must be empty and not a symbolic link."""
        path = Path(os.path.abspath(path))
        if not path.parent.is_dir():
            raise InvalidValue(option, f"the folder {path.parent} does not exist")
        self.check_allowed(option, path)
        if path.is_symlink():
            raise InvalidValue(
                option, f"{path} is a symbolic link; safeshare never writes through one"
            )
        if path.exists():
            if not path.is_dir():
                raise InvalidValue(option, f"{path} is not a folder")
            if any(path.iterdir()):
                raise InvalidValue(option, f"the folder {path} is not empty")
            return path
        path.mkdir(mode=FOLDER_MODE)
        return path


def _create(option: str, target: Path, data: bytes) -> None:
    try:
        fd = os.open(target, _CREATE, FILE_MODE)
    except FileExistsError:
        raise InvalidValue(
            option, f"{target} appeared while writing; nothing was replaced"
        ) from None
    except OSError as e:
        raise InvalidValue(option, f"cannot write {target}: {e.strerror}") from None
    try:
        os.fchmod(fd, FILE_MODE)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    except OSError as e:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(target)
        raise InvalidValue(option, f"cannot write {target}: {e.strerror}") from None
    os.close(fd)
