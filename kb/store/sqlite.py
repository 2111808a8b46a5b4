"""The SQLite connection every part of the embedded records side shares: one connection per store,
one lock for it, one way to write (a transaction taken at once)."""
from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

from kb.store import schema
from kb.store.errors import StoreError

# SQLite's limit on host parameters is 999 in older builds: IN (...) lists are cut below it.
IN_CHUNK = 500


class Database:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.lock = threading.RLock()
        vectors = self.path.parent / "chroma"
        if self.path.exists() and self.path.stat().st_size == 0 and vectors.is_dir() and any(vectors.iterdir()):
            # An empty database beside stored vectors is a store that lost its records, not a new one:
            # opening it as new would orphan the vectors and answer every question with nothing.
            raise StoreError(f"the store at {self.path.parent} is damaged: {self.path.name} is empty but chroma/ "
                             "holds vectors; restore kb.sqlite3 from a backup, or move the folder away to start anew")
        try:
            self.connection = sqlite3.connect(self.path, check_same_thread=False, timeout=60, isolation_level=None)
            self.connection.row_factory = sqlite3.Row
            self.connection.execute("PRAGMA busy_timeout=60000")
            self.connection.execute("PRAGMA journal_mode=WAL")
            schema.migrate(self.connection)
            self.connection.execute("PRAGMA foreign_keys=ON")
        except sqlite3.DatabaseError as exc:  # "file is not a database", "database disk image is malformed"…
            raise StoreError(f"the store's database {self.path} cannot be used ({exc}): restore it from a backup, "
                             "or move it away to start anew") from exc

    def execute(self, sql: str, args: Sequence = ()) -> sqlite3.Cursor:
        return self.connection.execute(sql, args)

    def executemany(self, sql: str, rows) -> sqlite3.Cursor:
        return self.connection.executemany(sql, rows)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """A write transaction taken at once (BEGIN IMMEDIATE), rolled back on any error."""
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        self.connection.execute("COMMIT")

    def query_in(self, sql: str, values: Sequence, extra: Sequence = ()) -> list[sqlite3.Row]:
        """Rows of `sql`, whose `{}` is an IN list of `values` (queried IN_CHUNK values at a time)."""
        rows: list[sqlite3.Row] = []
        for begin in range(0, len(values), IN_CHUNK):
            chunk = list(values[begin:begin + IN_CHUNK])
            rows += self.connection.execute(sql.format(",".join("?" * len(chunk))), (*chunk, *extra)).fetchall()
        return rows

    def close(self) -> None:
        with self.lock:
            self.connection.close()
