from __future__ import annotations

import errno
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


class StoreError(RuntimeError):
    """The store cannot be used as asked (wrong embedding model, unreachable server, newer schema…)."""


def read_only(home: Path) -> StoreError:
    return StoreError(f"the store at {home} is read-only: kb can answer from it but not change it; make the "
                      "folder and its files writable, or copy the store to a folder that is (KB_HOME)")


# The words SQLite, chromadb (whose errors carry SQLite's or the OS's text) and the OS use for them.
_FULL = ("database or disk is full", "No space left on device", "Disk quota exceeded", "File too large")
_READ_ONLY = ("attempt to write a readonly database", "Read-only file system")
# Some refusals come without the OS's reason: SQLite reports a -shm file it cannot grow as an I/O
# error, chromadb a log it cannot write as "Error in compaction". On a disk with less than this
# free, that reason is the full disk.
NEARLY_FULL = 1024 * 1024


def _nearly_full(home: Path) -> bool:
    try:
        usage = os.statvfs(home)
    except OSError:
        return False
    return usage.f_bavail * usage.f_frsize < NEARLY_FULL


def storage_fault(exc: BaseException, home: Path) -> StoreError | None:
    """The one-line StoreError for a write the storage under the store refused (a full disk, a read-only
    folder), whichever layer reports it; None for any other error."""
    number, text = getattr(exc, "errno", None), str(exc)
    unexplained = getattr(exc, "sqlite_errorname", "").startswith("SQLITE_IOERR") \
        or type(exc).__module__.startswith("chromadb")
    if number in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG) or any(words in text for words in _FULL) \
            or unexplained and _nearly_full(home):
        return StoreError(f"the disk holding the store at {home} is full: the write under way was not stored (the "
                          "store is consistent); free some space and run the command again")
    if number == errno.EROFS or any(words in text for words in _READ_ONLY):
        return read_only(home)
    return None


@contextmanager
def storage_faults(home: Path) -> Iterator[None]:
    """Raise a write the storage refuses as its one-line StoreError (chromadb's errors and the OS's
    come here raw; SQLite's come as StoreErrors from kb.store.sqlite already)."""
    try:
        yield
    except StoreError:
        raise
    except Exception as exc:
        fault = storage_fault(exc, home)
        if fault is None:
            raise
        raise fault from exc
