"""Real servers for tests and benchmarks: a `chroma run` and a PostgreSQL cluster of their own, each
on a free port of 127.0.0.1 in a temporary folder. No pytest here: bench/ starts them too."""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_process(process: subprocess.Popen, timeout: float = 20) -> None:
    """Ask a server we started to stop, then kill it if it does not."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


def tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]) if path.exists() else ""


def chroma_command() -> list[str]:
    """The `chroma` command of the chromadb package installed beside this Python."""
    script = Path(sys.executable).parent / "chroma"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from chromadb.cli.cli import app; sys.argv[0] = 'chroma'; sys.exit(app())"]


class ChromaServer:
    """A real `chroma run` on a free port; `url` once it answers its heartbeat. Raises RuntimeError
    (with the server's output) if it exits or does not answer within `timeout` seconds."""

    def __init__(self, folder: Path, timeout: float = 120) -> None:
        import httpx

        folder.mkdir(parents=True, exist_ok=True)
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        # Output goes to files, not pipes: nobody reads a pipe while the server runs, and a full one
        # would block it.
        stdout, stderr = folder / "stdout.log", folder / "stderr.log"
        with open(stdout, "wb") as out, open(stderr, "wb") as err:
            self.process = subprocess.Popen([*chroma_command(), "run", "--path", str(folder / "data"), "--port",
                                             str(port), "--host", "127.0.0.1"], stdout=out, stderr=err,
                                            stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout  # generous for a loaded machine; it normally takes ~1 s
        while True:
            problem = None
            if self.process.poll() is not None:
                problem = f"exited with code {self.process.returncode} before answering"
            else:
                try:
                    if httpx.get(f"{self.url}/api/v2/heartbeat", timeout=2).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    problem = f"did not answer {self.url}/api/v2/heartbeat within {timeout:.0f} s"
            if problem:
                self.stop()
                raise RuntimeError(f"`chroma run` {problem}.\nstderr:\n{tail(stderr)}\nstdout:\n{tail(stdout)}")
            time.sleep(0.2)

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        if self.process.poll() is None:
            stop_process(self.process)


def postgres_bin() -> Path | None:
    """The folder of initdb and pg_ctl (Debian keeps them out of PATH), or None when not installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class PostgresCluster:
    """A PostgreSQL cluster of its own in a temporary folder. initdb refuses to run as root: as root,
    the server runs as the postgres user, in a folder that user owns."""

    def __init__(self, settings: dict[str, str] | None = None) -> None:
        """`settings`: server options (`-c name=value`), e.g. the tuning a benchmark names."""
        self.bin = postgres_bin()
        if self.bin is None:
            raise RuntimeError("the PostgreSQL server binaries (initdb, pg_ctl) are not installed: "
                               "apt-get install postgresql")
        self.folder = Path(tempfile.mkdtemp(prefix="kb-pg-", dir="/tmp"))
        self.folder.chmod(0o777)
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.port = free_port()
        self.data = self.folder / "data"
        self.options = "".join(f" -c {k}={v}" for k, v in (settings or {}).items())
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "kb", "-E", "UTF8", "--locale=C")
        self.start()
        self._counter = 0

    def _run(self, tool: str, *args: str) -> None:
        result = subprocess.run([*self.as_user, str(self.bin / tool), *args], capture_output=True, text=True,
                                timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"{tool} failed: {result.stderr}\n{result.stdout}")

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "log"), "-w", "-t", "60", "-o",
                  f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1{self.options}", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://kb@127.0.0.1:{self.port}/{database}"

    def new_database(self, prefix: str = "kb_test") -> str:
        import psycopg

        self._counter += 1
        name = f"{prefix}_{self._counter}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def remove(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
