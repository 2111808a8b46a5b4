from __future__ import annotations

import errno
from pathlib import Path


class StoreError(RuntimeError):
    """The store cannot be used as asked (wrong embedding model, unreachable server, newer schema…)."""


def read_only(home: Path) -> StoreError:
    return StoreError(f"the store at {home} is read-only: kb can answer from it but not change it; make the "
                      "folder and its files writable, or copy the store to a folder that is (KB_HOME)")


# The words SQLite, chromadb (whose errors carry SQLite's or the OS's text) and the OS use for them.
_FULL = ("database or disk is full", "No space left on device", "Disk quota exceeded", "File too large")
_READ_ONLY = ("attempt to write a readonly database", "Read-only file system")


def storage_fault(exc: BaseException, home: Path) -> StoreError | None:
    """The one-line StoreError for a write the storage under the store refused (a full disk, a read-only
    folder), whichever layer reports it; None for any other error."""
    number, text = getattr(exc, "errno", None), str(exc)
    if number in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG) or any(words in text for words in _FULL):
        return StoreError(f"the disk holding the store at {home} is full: what was being written is not stored, "
                          "the store is as it was before; free some space and run the command again")
    if number == errno.EROFS or any(words in text for words in _READ_ONLY):
        return read_only(home)
    return None
