"""The connection to PostgreSQL: a psycopg pool, transactions, the writer's advisory lock, errors in one line."""
from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from typing import Iterator
from urllib.parse import urlsplit, urlunsplit

from kb.store.errors import StoreError


# The pool reports each failed reconnection as a warning; with no logging configured Python would
# print them all on stderr, where a lost database must be one line (the StoreError's).
logging.getLogger("psycopg.pool").addHandler(logging.NullHandler())


CONNECT_TIMEOUT = 5  # seconds to reach the server before a command gives up
# kb's statements are short, but the planner's cost estimate for the keyword ranking was not, and JIT
# compiled a 9 ms query for 278 ms (measured at 670 passages). Off for kb's own sessions (a SET, so
# that options in the URL stay as given).
SESSION_SETUP = "SET jit = off"
POOL_TIMEOUT = 15  # seconds to wait for a pooled connection (the pool retries a lost server meanwhile)
WRITE_LOCK_KEY = 0x6B62_5752  # "kbWR": the advisory lock of the one writer
MIGRATE_LOCK_KEY = 0x6B62_4D49  # "kbMI"
# tsvector lexemes are limited to 2,047 bytes: a longer term is left out of the index (the token stays
# in the tokens array, and so in kb's BM25 re-score).
MAX_LEXEME_BYTES = 2046


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(":" + parts.password + "@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def is_postgres_url(url: str) -> bool:
    return urlsplit(url).scheme in ("postgresql", "postgres")


def _reason(exc: BaseException) -> str:
    """The first line of a driver error: one clear line for the command line."""
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


class Database:
    """A connection pool on one PostgreSQL database, and the transaction of the current thread."""

    def __init__(self, url: str) -> None:
        import psycopg
        from psycopg_pool import ConnectionPool

        self.url = url
        self.lock = threading.RLock()  # the store's thread lock (writes), as with SQLite
        self._local = threading.local()
        try:
            with psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT) as conn:
                from kb.store.postgres.schema import migrate  # schema imports this module

                migrate(conn)
        except psycopg.Error as exc:
            raise StoreError(f"cannot reach the PostgreSQL database at {redact(url)} (KB_DATABASE_URL): "
                             f"{_reason(exc)}") from exc
        self.pool = ConnectionPool(url, min_size=1, max_size=8, timeout=POOL_TIMEOUT, open=False,
                                   kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT},
                                   configure=lambda conn: conn.execute(SESSION_SETUP),
                                   check=ConnectionPool.check_connection, name="kb")
        self.pool.open()

    def lost(self, exc: BaseException) -> StoreError:
        return StoreError(f"lost the PostgreSQL database at {redact(self.url)} (KB_DATABASE_URL): {_reason(exc)}")

    @contextmanager
    def connection(self) -> Iterator:
        """The current transaction's connection, or a pooled one; driver failures become StoreError."""
        import psycopg
        from psycopg_pool import PoolTimeout

        current = getattr(self._local, "conn", None)
        if current is not None:
            yield current
            return
        try:
            with self.pool.connection() as conn:
                yield conn
        except (psycopg.OperationalError, psycopg.InterfaceError, PoolTimeout) as exc:
            raise self.lost(exc) from exc

    @contextmanager
    def transaction(self) -> Iterator:
        """One transaction on one connection for this thread; everything inside uses it."""
        if getattr(self._local, "conn", None) is not None:
            yield self._local.conn
            return
        with self.connection() as conn:
            try:
                with conn.transaction():
                    self._local.conn = conn
                    try:
                        yield conn
                    finally:
                        self._local.conn = None
            except Exception as exc:
                import psycopg

                if isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError)):
                    raise self.lost(exc) from exc
                raise

    def rows(self, sql: str, args=(), *, dicts: bool = False) -> list:
        from psycopg.rows import dict_row, tuple_row

        with self.connection() as conn:
            with conn.cursor(row_factory=dict_row if dicts else tuple_row) as cursor:
                cursor.execute(sql, args)
                return cursor.fetchall() if cursor.description else []

    def one(self, sql: str, args=()):
        found = self.rows(sql, args)
        return found[0] if found else None

    def execute(self, sql: str, args=()) -> None:
        with self.connection() as conn:
            conn.execute(sql, args)

    def executemany(self, sql: str, rows: list) -> None:
        if not rows:
            return
        with self.connection() as conn:
            with conn.cursor() as cursor:
                cursor.executemany(sql, rows)

    def close(self) -> None:
        self.pool.close()


class AdvisoryLock:
    """The one writer across machines: a session-level advisory lock held by a pooled connection.

    Re-entrant; always taken under the store's thread lock (kb.store.lock.WriteLock), so one thread
    at a time gets here. A holder that dies loses its connection and so the lock."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._conn = None
        self._depth = 0

    def acquire(self) -> None:
        if self._depth == 0:
            import psycopg
            from psycopg_pool import PoolTimeout

            try:
                conn = self.db.pool.getconn()
            except PoolTimeout as exc:
                raise self.db.lost(exc) from exc
            try:
                conn.execute("SELECT pg_advisory_lock(%s)", (WRITE_LOCK_KEY,))
            except psycopg.Error as exc:
                self.db.pool.putconn(conn)
                raise self.db.lost(exc) from exc
            self._conn = conn
        self._depth += 1

    def release(self) -> None:
        self._depth -= 1
        if self._depth == 0:
            import psycopg

            conn, self._conn = self._conn, None
            try:
                conn.execute("SELECT pg_advisory_unlock(%s)", (WRITE_LOCK_KEY,))
            except psycopg.Error:
                conn.close()  # a connection that failed has lost its session, and the lock with it
            finally:
                self.db.pool.putconn(conn)

    @property
    def is_locked(self) -> bool:
        return self._depth > 0


