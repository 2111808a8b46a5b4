"""The SQLite connection every part of the embedded records side shares: one connection per store,
one lock for it, one way to write (a transaction taken at once)."""
from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

from kb.store import schema

# SQLite's limit on host parameters is 999 in older builds: IN (...) lists are cut below it.
IN_CHUNK = 500


class Database:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.lock = threading.RLock()
        self.connection = sqlite3.connect(self.path, check_same_thread=False, timeout=60, isolation_level=None)
        self.connection.row_factory = sqlite3.Row
        self.connection.execute("PRAGMA busy_timeout=60000")
        self.connection.execute("PRAGMA journal_mode=WAL")
        schema.migrate(self.connection)
        self.connection.execute("PRAGMA foreign_keys=ON")

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
