"""End to end in a real browser: `streamlit run app.py` on a seeded store, driven by headless Chromium.

Uses Debian's Chromium (`apt-get install -y chromium`), never a browser downloaded by Playwright.
Saves the chat page to docs/screenshot-chat.png.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.servers import free_port, stop_process

SEED = ROOT / "corpus" / "marsbit-2025-12-10-fed-qt-to-rmp.zh-Hant.txt"
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT = ROOT / "docs" / "screenshot-chat.png"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="needs Debian's Chromium at /usr/bin/chromium (apt-get install -y chromium)")


def _wait_healthy(base: str, process: subprocess.Popen, log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"streamlit exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=5) as response:
                if response.status == 200 and response.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"streamlit was not healthy after {timeout}s:\n{log.read_text(errors='replace')}")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = tmp_path_factory.mktemp("browser-kb")
    env = {**os.environ, "KB_HOME": str(home)}
    for name in ("KB_LLM_BASE_URL", "KB_LLM_MODEL", "KB_LLM_API_KEY"):
        env.pop(name, None)  # the extractive answer is the one this test knows
    seeded = subprocess.run([sys.executable, "-m", "kb", "ingest", str(SEED)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert seeded.returncode == 0, seeded.stderr
    port = free_port()
    log = home / "streamlit.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
             "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, process, log)
        yield base
    finally:
        stop_process(process)


@contextmanager
def open_app(server: str):
    """A headless Chromium page on the app, closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1100}, locale="zh-CN")
            page.set_default_timeout(120_000)
            page.goto(server, wait_until="domcontentloaded")
            yield page
        finally:
            browser.close()


def test_chat_in_browser(server):
    with open_app(server) as page:
        box = page.get_by_test_id("stChatInputTextArea")
        box.wait_for(state="visible")
        page.get_by_text("有什么想问的?").wait_for()
        box.fill("美联储什么时候终止QT?")
        box.press("Enter")

        answer = page.locator(".kb-answer").filter(has=page.locator(".kb-cite")).first
        answer.wait_for(state="visible")
        text = answer.inner_text()
        assert "2025年12月1日" in text
        assert "[1]" in text

        # Sources: one card per [n], titled with the article; the first is open. Open the others
        # until the cited sentence holding the answer shows up highlighted.
        sources = page.get_by_test_id("stExpander").filter(has_text="美联储大转型")
        sources.first.wait_for(state="visible")
        assert "[1]" in sources.first.locator("summary").inner_text()
        highlighted = None
        for i in range(sources.count()):
            card = sources.nth(i)
            if not card.locator(".kb-passage mark").first.is_visible():
                card.locator("summary").click()
            mark = card.locator(".kb-passage mark").first
            mark.wait_for(state="visible")
            if "2025年12月1日" in mark.inner_text():
                highlighted = card
                break
        assert highlighted is not None, "no source highlights the sentence with the answer"
        meta = highlighted.locator(".kb-meta").first.inner_text()
        assert "MarsBit" in meta and "王永利" in meta and "2025-12-10" in meta

        # The original (Traditional) text is one tab away.
        highlighted.get_by_role("tab", name="原文(繁體)").click()
        highlighted.locator(".kb-passage mark").filter(has_text="計劃終止").first.wait_for(state="visible")
        highlighted.get_by_role("tab", name="简体").click()

        # Let the run finish (no "running" indicator), then keep the picture.
        page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')")
        page.wait_for_timeout(500)
        # Frame the picture on the conversation: the question at the top, the answer and its sources below.
        page.get_by_test_id("stChatMessage").first.evaluate("e => e.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(300)
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT))
        assert SCREENSHOT.stat().st_size > 10_000


def _matsu_pdf(path: Path) -> Path:
    """DRCD's 馬祖列島 typeset as a three-page broker's PDF (tests/documents.py)."""
    import json

    from tests.documents import find_cjk_font, make_pdf

    font = find_cjk_font()
    if font is None:
        pytest.skip("no CJK TrueType font (apt-get install fonts-wqy-microhei)")
    data = json.loads((ROOT / "tests" / "data" / "drcd_dev_slice.json").read_text(encoding="utf-8"))
    article = next(a for a in data.get("data", data) if a["title"] == "馬祖列島")
    paragraphs: list[str] = []
    for paragraph in article["paragraphs"]:
        paragraphs += [paragraph["context"], ""]
    assert make_pdf(path, title="馬祖列島概覽", author="研究員乙", date="2025-11-20", paragraphs=paragraphs,
                    font_path=font) >= 2
    return path


def test_pdf_upload_and_cited_page_in_browser(server, tmp_path):
    pdf = _matsu_pdf(tmp_path / "matsu.pdf")
    with open_app(server) as page:
        page.get_by_test_id("stChatInputTextArea").wait_for(state="visible")

        # The add page: choose the PDF in the uploader, import it.
        page.locator("button").filter(has_text="添加文章").first.click()
        page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(pdf))
        page.get_by_text("matsu.pdf").first.wait_for(state="visible")  # uploaded to the server
        page.locator("button").filter(has_text="导入文件").click()
        added = page.get_by_test_id("stAlert").filter(has_text="已添加").filter(has_text="马祖列岛概览")
        added.wait_for(state="visible")

        # Back to the chat: the answer cites the PDF with the page its passage is on.
        page.locator("button").filter(has_text="问答").first.click()
        box = page.get_by_test_id("stChatInputTextArea")
        box.wait_for(state="visible")
        box.fill("后沃澳村在什么时候会变成孤岛?")
        box.press("Enter")
        answer = page.locator(".kb-answer").filter(has=page.locator(".kb-cite")).first
        answer.wait_for(state="visible")
        assert "涨潮" in answer.inner_text()
        card = page.get_by_test_id("stExpander").filter(has_text="马祖列岛概览").first
        card.wait_for(state="visible")
        summary = card.locator("summary").inner_text()
        assert "[1]" in summary and re.search(r"第 [2-9] 页", summary), summary
        meta = card.locator(".kb-meta").first
        meta.wait_for(state="visible")
        shown = meta.inner_text()
        assert re.search(r"第 [2-9] 页", shown) and "研究員乙" in shown, shown
        assert re.search(r"第 \d+ 页", summary).group(0) in shown  # the same page in the title and the card
        card.locator(".kb-passage mark").filter(has_text="涨潮").first.wait_for(state="visible")
