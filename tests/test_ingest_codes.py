"""Every refusal in kb/ingest names a code from kb.ingest.errors.CODES, and real bad inputs bring theirs.

Front ends (the app, in Chinese) say a refusal from its code and params, never by parsing the
English message; so a raise without a code, or with a code the list does not know, is a bug.
"""
from __future__ import annotations

import ast
import os
from dataclasses import replace
from pathlib import Path

import pytest

from kb.ingest.errors import CODES, IngestError
from kb.ingest.readers import read_bytes

INGEST = Path(__file__).resolve().parents[1] / "kb" / "ingest"


def _calls(name: str):
    """(file, enclosing function, call) for every call of `name` in kb/ingest, module level included."""
    for path in sorted(INGEST.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        owner = {}
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                is_function = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                owner[child] = node.name if is_function else owner.get(node, "<module>")
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                callee = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
                if callee == name:
                    yield path.name, owner[node], node


def _code(call: ast.Call) -> str | None:
    """The literal code= of a call; "<passed on>" for an expression (a result carrying an error's code)."""
    keyword = next((k for k in call.keywords if k.arg == "code"), None)
    if keyword is None:
        return None
    if isinstance(keyword.value, ast.Constant) and isinstance(keyword.value.value, str):
        return keyword.value.value
    return "<passed on>"


def test_codes_are_unique_snake_case():
    assert len(set(CODES)) == len(CODES)
    assert all(code.isidentifier() and code == code.lower() for code in CODES)


def test_every_ingest_error_in_kb_ingest_has_a_known_code():
    calls = list(_calls("IngestError"))
    assert len(calls) > 15  # the scan sees the readers, the cleaner and the HTML extractor
    missing = [f"{file}:{call.lineno} in {func}" for file, func, call in calls
               if _code(call) is None]
    assert not missing, f"IngestError without code=: {missing}"
    unknown = {_code(call) for _, _, call in calls} - set(CODES) - {"<passed on>"}  # a result re-raised with its code
    assert not unknown, f"codes missing from kb.ingest.errors.CODES: {unknown}"


def test_every_listed_code_is_used():
    used = {_code(call) for _, _, call in [*_calls("IngestError"), *_calls("IngestResult")]}
    assert set(CODES) - used - {"rejected"} == set()  # "rejected": the default, used by leaving code= out


def test_params_name_the_values_the_message_uses():
    with pytest.raises(IngestError) as caught:
        read_bytes("很长的文章。".encode() * 100, "big.txt", 1000, name="big.txt")
    assert caught.value.code == "too_large"
    assert caught.value.params == {"size": 1800, "limit": 1000}
    assert str(caught.value) == "too large: 1,800 bytes, the limit is 1,000 (KB_MAX_FILE_BYTES)"


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
NAV_HTML = ("<html><head><title>Nav</title></head><body><nav><a href='/'>首页</a><a href='/m'>市场</a>"
            "</nav></body></html>")


def _ingest_one(kb, path) -> tuple[str, str | None, dict]:
    [result] = list(kb.ingest([path]))
    return result.status, result.code, result.params


def test_bad_files_are_rejected_with_their_codes(fresh_kb, tmp_path):
    fresh_kb.settings = replace(fresh_kb.settings, max_file_bytes=3000)  # read at each ingest
    cases = {
        "empty.txt": (b"  \n", "empty", {}),
        "logo.png": (PNG, "binary", {"kind": "png"}),
        "renamed.txt": (PNG, "binary", {"kind": "png"}),
        "nuls.txt": ("美联储".encode() + b"\x00\x01" * 50, "binary", {"kind": "binary", "count": 50, "size": 109}),
        "big.txt": ("很长的文章。".encode() * 400, "file_too_large", {"limit": 3000}),
        "nav.html": (NAV_HTML.encode(), "navigation_only", {}),
        "digits.txt": (("1234 5678。\n" * 5).encode(), "no_text", {}),
    }
    for name, (data, code, params) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        status, got, got_params = _ingest_one(fresh_kb, path)
        assert (status, got) == ("rejected", code), name
        assert params.items() <= got_params.items(), (name, got_params)
    assert _ingest_one(fresh_kb, tmp_path / "missing.txt")[1:] == ("not_found", {"path": str(tmp_path / "missing.txt")})
    assert fresh_kb.stats() == (0, 0)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_pipes_and_devices_are_not_regular_files(fresh_kb, tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    assert _ingest_one(fresh_kb, fifo) == ("rejected", "not_regular_file", {"path": str(fifo), "kind": "fifo"})
    if Path("/dev/null").exists():
        assert _ingest_one(fresh_kb, "/dev/null")[1:] == (
            "not_regular_file", {"path": "/dev/null", "kind": "character_device"})


def test_uploads_and_pasted_text_carry_the_code(fresh_kb):
    result = fresh_kb.add_bytes(PNG, "logo.png")
    assert (result.status, result.code, result.params) == ("rejected", "binary", {"kind": "png"})
    result = fresh_kb.add_bytes(b"", "empty.txt")
    assert (result.code, result.reason) == ("empty", "empty input")
    assert fresh_kb.add_text("   ").code == "empty"
