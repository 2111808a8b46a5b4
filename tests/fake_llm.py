"""A scripted OpenAI-compatible chat server on 127.0.0.1, shared by the LLM and app tests."""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Script:
    pieces: list[str] = field(default_factory=list)
    status: int = 200
    delay: float = 0.0  # seconds before the response starts
    pause_after_first: float = 0.0  # seconds between the first piece and the rest
    mode: str = "sse"  # "sse", "json" (ignores stream: true), "malformed", "cut" (no finish, no [DONE])
    finish: str = "stop"
    models: list[str] = field(default_factory=lambda: ["discovered-model"])


class FakeLLM:
    def __init__(self) -> None:
        self.script = Script()
        self.requests: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep pytest output clean
                pass

            def do_GET(self):
                fake.requests.append({"method": "GET", "path": self.path, "headers": dict(self.headers)})
                body = json.dumps({"object": "list", "data": [{"id": m} for m in fake.script.models]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                fake.requests.append({"method": "POST", "path": self.path, "headers": dict(self.headers),
                                      "json": body})
                script = fake.script
                if script.delay:
                    time.sleep(script.delay)
                if script.status != 200:
                    error = json.dumps({"error": {"message": "model exploded"}}).encode()
                    self.send_response(script.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(error)))
                    self.end_headers()
                    self.wfile.write(error)
                    return
                if script.mode == "json":
                    reply = json.dumps({"choices": [{"index": 0, "finish_reason": "stop", "message": {
                        "role": "assistant", "content": "".join(script.pieces)}}]}).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(reply)))
                    self.end_headers()
                    self.wfile.write(reply)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.end_headers()
                if script.mode == "malformed":
                    self._send("data: {\"choices\": [{\"delta\": {\"content\": \"半截\n\n")
                    return
                self._send(": keep-alive comment\n\n")
                first = {"choices": [{"index": 0, "delta": {"role": "assistant"}, "finish_reason": None}]}
                self._send(f"data: {json.dumps(first)}\n\n")
                for i, piece in enumerate(script.pieces):
                    chunk = {"id": "x", "object": "chat.completion.chunk", "model": body.get("model"),
                             "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                    self._send(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n")
                    if i == 0 and script.pause_after_first:
                        time.sleep(script.pause_after_first)
                if script.mode == "cut":
                    return
                last = {"choices": [{"index": 0, "delta": {}, "finish_reason": script.finish}]}
                self._send(f"data: {json.dumps(last)}\n\ndata: [DONE]\n\n")

            def _send(self, text: str) -> None:
                self.wfile.write(text.encode("utf-8"))
                self.wfile.flush()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def reply(self, *pieces: str, **options) -> None:
        self.script = Script(pieces=list(pieces), **options)

    @property
    def chat(self) -> dict:
        posts = [r for r in self.requests if r["method"] == "POST"]
        assert posts, "no chat request reached the server"
        return posts[-1]

    def prompt(self) -> str:
        return "\n".join(m["content"] for m in self.chat["json"]["messages"])

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
