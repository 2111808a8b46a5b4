"""The SQLite connection every part of the embedded records side shares: one connection per store,
one lock for it, one way to write (a transaction taken at once)."""
from __future__ import annotations

import os
import sqlite3
import threading
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Iterator, Sequence

from filelock import FileLock

from kb.store import schema
from kb.store.errors import StoreError, storage_fault
from kb.store.lock import LOCK_FILE

# SQLite's limit on host parameters is 999 in older builds: IN (...) lists are cut below it.
IN_CHUNK = 500


def read_uri(path: Path) -> str:
    """The URI that reads the database at `path` and writes nothing, on read-only storage too.

    A WAL database opens read-only only if its -wal and -shm files are there or can be made, or as
    immutable (https://sqlite.org/wal.html#readonly). In a folder that cannot be written, without a
    -wal file every commit is in the database file itself and immutable (no locks, no -shm) reads all
    of it, as long as nobody writes meanwhile; with one, mode=ro reads the commits it holds."""
    immutable = not os.access(path.parent, os.W_OK) and not Path(f"{path}-wal").exists()
    return f"{Path(path).resolve().as_uri()}?{'immutable=1' if immutable else 'mode=ro'}"


class Database:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.lock = threading.RLock()
        # os.access asks the kernel, so a read-only mount and an immutable file count, as do permission
        # bits (except for root, who may write whatever they say).
        self.readonly = not os.access(self.path.parent, os.W_OK) or self.path.exists() and not os.access(
            self.path, os.W_OK)
        if self.readonly and not self.path.exists():
            raise StoreError(f"the store folder {self.path.parent} (KB_HOME) is read-only and holds no store")
        # A new store is made under the write lock, so that a process opening it meanwhile waits for its
        # schema instead of finding the empty database of a store that lost its records.
        new = not self.readonly and (not self.path.exists() or self.path.stat().st_size == 0)
        with FileLock(str(self.path.parent / LOCK_FILE)) if new else nullcontext():
            self._check_not_emptied()
            self._connect()

    def _check_not_emptied(self) -> None:
        vectors = self.path.parent / "chroma"
        if self.path.exists() and self.path.stat().st_size == 0 and vectors.is_dir() and any(vectors.iterdir()):
            # An empty database beside stored vectors is a store that lost its records, not a new one:
            # opening it as new would orphan the vectors and answer every question with nothing.
            raise StoreError(f"the store at {self.path.parent} is damaged: {self.path.name} is empty but chroma/ "
                             "holds vectors; restore kb.sqlite3 from a backup, or move the folder away to start anew")

    def _connect(self) -> None:
        try:
            self.connection = sqlite3.connect(read_uri(self.path) if self.readonly else self.path, uri=self.readonly,
                                              check_same_thread=False, timeout=60, isolation_level=None)
            self.connection.row_factory = sqlite3.Row
            self.connection.execute("PRAGMA busy_timeout=60000")
            if not self.readonly:
                self.connection.execute("PRAGMA journal_mode=WAL")
            schema.migrate(self.connection, writable=not self.readonly)
            self.connection.execute("PRAGMA foreign_keys=ON")
        except sqlite3.DatabaseError as exc:  # "file is not a database", "database disk image is malformed"…
            self._refused(exc)
            raise StoreError(f"the store's database {self.path} cannot be used ({exc}): restore it from a backup, "
                             "or move it away to start anew") from exc

    def _refused(self, exc: sqlite3.Error) -> None:
        """Raise a write the storage refused (a full disk, a read-only store) as one line."""
        fault = storage_fault(exc, self.path.parent)
        if fault is not None:
            raise fault from exc

    @contextmanager
    def _storage_faults(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.OperationalError as exc:
            self._refused(exc)
            raise

    def execute(self, sql: str, args: Sequence = ()) -> sqlite3.Cursor:
        with self._storage_faults():
            return self.connection.execute(sql, args)

    def executemany(self, sql: str, rows) -> sqlite3.Cursor:
        with self._storage_faults():
            return self.connection.executemany(sql, rows)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """A write transaction taken at once (BEGIN IMMEDIATE), rolled back on any error."""
        self.execute("BEGIN IMMEDIATE")
        try:
            yield
            self.execute("COMMIT")
        except BaseException:
            # SQLite may have rolled back already (a full disk can do that); a second ROLLBACK would
            # raise over the error that matters.
            if self.connection.in_transaction:
                self.connection.execute("ROLLBACK")
            raise

    def query_in(self, sql: str, values: Sequence, extra: Sequence = ()) -> list[sqlite3.Row]:
        """Rows of `sql`, whose `{}` is an IN list of `values` (queried IN_CHUNK values at a time)."""
        rows: list[sqlite3.Row] = []
        for begin in range(0, len(values), IN_CHUNK):
            chunk = list(values[begin:begin + IN_CHUNK])
            rows += self.execute(sql.format(",".join("?" * len(chunk))), (*chunk, *extra)).fetchall()
        return rows

    def close(self) -> None:
        with self.lock:
            self.connection.close()
