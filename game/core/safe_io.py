"""Files that are read and written safely: only regular files are read, with a size cap and
without blocking; writes are atomic (a temporary file of our own naming, then replace), go
through a symlink to the file it names, and leave no temporary file behind on an error. A
temporary file that a killed process left behind is removed the next time that folder is
written. Standard library only (used by level files and checkpoints alike).

Our temporary files are named `.<target name>.<pid>.<random>.reddoor-tmp`; one is stale when the
process that wrote it is gone, or when it is older than STALE_SECONDS whatever its pid says
(a pid can be reused). The first build's names (`.<name>.XXXXXXXX.tmp`, `<name>.npz.tmp.npz`)
are removed once older than STALE_SECONDS. Nothing else in a folder is ever removed.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

TEMP_SUFFIX = ".reddoor-tmp"
STALE_SECONDS = 24 * 3600  # a temp file lives for the seconds of one write; a day is far beyond any
_TEMP_NAME = re.compile(r"^\.(?P<target>.+)\.(?P<pid>\d+)\.[A-Za-z0-9_]+" + re.escape(TEMP_SUFFIX) + r"$")
# The first build's temporary names (no pid in them): removed only once older than STALE_SECONDS.
_OLD_TEMP_NAME = re.compile(r"^(\..+\.level\.[a-z0-9_]{8}\.tmp|\.recovery\.[a-z0-9_]{8}\.tmp|.+\.npz\.tmp\.npz)$")


class NotARegularFile(OSError):
    """A FIFO, device, socket or folder where a file was expected."""


class FileTooLarge(OSError):
    """A file larger than the reader's cap (checked before reading it)."""


def file_kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def read_regular(path: str | os.PathLike, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most `max_bytes`. Opens without blocking (a FIFO with no
    writer does not hang), refuses anything but a regular file (after following symlinks, so a
    link to /dev/zero is refused) and never reads more than max_bytes + 1 bytes."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotARegularFile(f"{file_kind(st.st_mode)}, not a regular file")
        if st.st_size > max_bytes:
            raise FileTooLarge(f"the file is {st.st_size:,} bytes; the most is {max_bytes:,}")
        chunks, left = [], max_bytes + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        if len(data) > max_bytes:  # it grew while we read
            raise FileTooLarge(f"the file is over {max_bytes:,} bytes")
        return data
    finally:
        os.close(fd)


def write_target(path: str | os.PathLike) -> Path:
    """Where a write to `path` lands: a symlink is written through to the file it names (the link
    stays a link), following a chain of links; anything else is `path` itself."""
    path = Path(path)
    for _ in range(40):  # the kernel's own limit on a chain of links
        if not path.is_symlink():
            return path
        target = Path(os.readlink(path))
        path = target if target.is_absolute() else path.parent / target
    raise OSError(f"{path}: too many levels of symbolic links")


def is_our_temp(name: str) -> bool:
    return _TEMP_NAME.match(name) is not None


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's process, or we cannot tell: keep the file
    return True


def clean_stale_temps(folder: str | os.PathLike, now: float | None = None) -> list[Path]:
    """Remove the temporary files of our own naming that a killed write left in `folder`: those
    whose writer is gone, or that are older than STALE_SECONDS. Returns what was removed; never
    raises (a folder we cannot list or clean is left as it is)."""
    now = time.time() if now is None else now
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        m = _TEMP_NAME.match(entry.name)
        old = m is None and _OLD_TEMP_NAME.match(entry.name) is not None
        if m is None and not old:
            continue
        try:
            st = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(st.st_mode):
                continue
            too_old = now - st.st_mtime > STALE_SECONDS
            if (
                old
                and too_old
                or m is not None
                and int(m.group("pid")) != os.getpid()
                and (not _pid_alive(int(m.group("pid"))) or too_old)
            ):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


def atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], None], mode: int | None = None) -> Path:
    """Write a file atomically: `write(fileobj)` fills a temporary file beside the target, which
    is flushed to disk and renamed over it, so a reader (or a kill -9 at any moment) sees the old
    file or the new one, whole. A symlinked target is written through. Stale temporary files of
    ours in that folder are removed first. Returns the path actually written."""
    target = write_target(path)
    folder = target.parent
    folder.mkdir(parents=True, exist_ok=True)
    clean_stale_temps(folder)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=TEMP_SUFFIX, dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        elif target.exists():
            os.chmod(tmp, stat.S_IMODE(target.stat().st_mode))  # an overwrite keeps the file's mode
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)  # what an ordinary new file gets (mkstemp makes 0600)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return target
