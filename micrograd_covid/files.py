"""Writing files: atomically, with the mode a plain write would give."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["not_a_folder", "write_atomic"]


def _new_file_mode() -> int:
    """The mode `open(path, "w")` would give a new file: 0o666 less the umask."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to a temporary neighbour and rename it: no half-written files. The file
    gets the mode a plain write would give: an existing file's, else the umask's."""
    try:
        mode = os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        mode = _new_file_mode()
    try:
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise _naming(exc, path) from None
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), mode)
            f.write(data)
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _naming(exc, path) from None
        raise


def _naming(exc: OSError, path: Path) -> OSError:
    """`exc` about `path` rather than the temporary neighbour it met (the user never named
    that file): the same kind of error, with the same errno and reason."""
    if exc.errno is None:
        return exc
    return OSError(exc.errno, exc.strerror, str(path))


def not_a_folder(path: Path) -> Path | None:
    """The first of `path` and the folders above it that exists and is not a folder (a
    file, or a link to nothing), or None: where a folder `path` cannot be made."""
    for part in (path, *path.parents):
        if part.is_dir():
            return None
        if part.exists() or part.is_symlink():
            return part
    return None
