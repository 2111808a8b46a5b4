"""The cross-process writer lock: one writer at a time on a store (the app and the command line), through
a file in KB_HOME, or through the database when the records are in PostgreSQL (kb.store.postgres.AdvisoryLock)."""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable, Union

from filelock import FileLock

LOCK_FILE = ".write.lock"  # in KB_HOME


class WriteLock:
    """A FileLock at KB_HOME/.write.lock (or another re-entrant process lock with acquire/release),
    re-entrant in a thread, taken after the store's thread lock.

    Entering it from outside runs `on_enter` (the vectors' sync with a new generation): no write is
    ever made on a stale chromadb view, and every other process re-opens its view before using it
    again. Bumping before the write, not at the commit, also covers a writer that dies between its
    chromadb write and its commit."""

    def __init__(self, path: Union[Path, object], thread_lock: threading.RLock, on_enter: Callable[[], None]) -> None:
        self.file_lock = FileLock(str(path)) if isinstance(path, (str, Path)) else path
        self._thread_lock = thread_lock
        self._on_enter = on_enter
        self._depth = threading.local()

    def __enter__(self) -> "WriteLock":
        # The thread lock first, always: the same order as every other path, so two threads of one
        # process can never hold one lock each and wait for the other.
        self._thread_lock.acquire()
        try:
            self.file_lock.acquire()
        except BaseException:
            self._thread_lock.release()
            raise
        depth = getattr(self._depth, "value", 0)
        self._depth.value = depth + 1
        if depth == 0:
            try:
                self._on_enter()
            except BaseException:
                self.__exit__()
                raise
        return self

    def __exit__(self, *exc_info) -> None:
        self._depth.value -= 1
        self.file_lock.release()
        self._thread_lock.release()
