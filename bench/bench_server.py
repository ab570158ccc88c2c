"""The HTTP service under test: a real `parley serve` process on loopback, and concurrent clients.

The server is a subprocess (its own interpreter and GIL, so the load generator
does not slow it through Python's lock, and its memory can be read from /proc).
The clients are httpx coroutines in this process: ``concurrency`` of them, each
sending its next request as soon as its previous answer is in (a closed loop).
"""

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml

from parley.config import load_settings

READY_TIMEOUT_S = 300


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def write_config(base: Path, target: Path, overrides: dict[str, dict]) -> Path:
    """A copy of the settings file ``base`` with ``overrides`` ({section: {key: value}}) applied."""
    raw = load_settings(base).model_dump(mode="json")
    for section, values in overrides.items():
        raw[section].update(values)
    target.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    load_settings(target)  # it must validate exactly as the server will read it
    return target


def proc_status_kib(pid: int, field_name: str) -> int | None:
    """A ``VmRSS``/``VmHWM``-style field of /proc/PID/status, in KiB (None when unreadable)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


class RssSampler:
    """Samples a process's resident memory every ``interval`` seconds in a thread; keeps the maximum."""

    def __init__(self, pid: int, interval: float = 0.02) -> None:
        self.pid = pid
        self.interval = interval
        self.peak_kib = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            rss = proc_status_kib(self.pid, "VmRSS")
            if rss is not None:
                self.peak_kib = max(self.peak_kib, rss)
                self.samples += 1
            self._stop.wait(self.interval)

    def __enter__(self) -> "RssSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


class ServerProcess:
    """`parley serve` on a free loopback port, from start to /readyz, until :meth:`stop`."""

    def __init__(self, *, model: Path, config: Path, backend: str, device: str, log_path: Path, cwd: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        parley = Path(sys.executable).with_name("parley")
        command = [str(parley)] if parley.exists() else [sys.executable, "-c", "from parley.cli import main; main()"]
        self.command = [
            *command,
            "serve",
            "--model",
            str(model),
            "--config",
            str(config),
            "--backend",
            backend,
            "--device",
            device,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]
        self.log_path = log_path
        self.cwd = cwd
        self.process: subprocess.Popen | None = None
        self.ready_seconds: float | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self) -> float:
        """Start the server and wait until /readyz says ready; seconds from spawn to ready."""
        env = {**os.environ, "HF_HUB_OFFLINE": "1"}
        # The admin endpoints stay off, and feedback is open on loopback: nothing here measures tokens.
        env.pop("PARLEY_ADMIN_TOKEN", None)
        env.pop("PARLEY_FEEDBACK_TOKEN", None)
        log = self.log_path.open("wb")
        started = time.perf_counter()
        self.process = subprocess.Popen(self.command, cwd=self.cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = started + READY_TIMEOUT_S
        with httpx.Client(timeout=5) as client:
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError(f"parley serve exited with {self.process.returncode}:\n{self.log_tail()}")
                try:
                    if client.get(f"{self.url}/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.perf_counter() > deadline:
                    self.stop()
                    raise RuntimeError(f"parley serve was not ready after {READY_TIMEOUT_S} s:\n{self.log_tail()}")
                time.sleep(0.05)
        self.ready_seconds = time.perf_counter() - started
        return self.ready_seconds

    def rss_mib(self) -> float | None:
        kib = proc_status_kib(self.pid, "VmRSS")
        return None if kib is None else kib / 1024

    def peak_rss_mib(self) -> float | None:
        """The process's high-water mark of resident memory since it started (VmHWM)."""
        kib = proc_status_kib(self.pid, "VmHWM")
        return None if kib is None else kib / 1024

    def cpu_seconds(self) -> float | None:
        """User + system CPU time the server has used so far (/proc/PID/stat)."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def kill(self) -> None:
        """SIGKILL: the server stops at once, whatever it was doing."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def __enter__(self) -> "ServerProcess":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


@dataclass(frozen=True)
class Request:
    """One prepared request: the body bytes, its content type, and how many sentences the answer must hold."""

    path: str
    body: bytes
    content_type: str
    segments: int

    @classmethod
    def sentences(cls, sentences: Sequence[str]) -> "Request":
        body = json.dumps({"sentences": list(sentences)}, ensure_ascii=False).encode()
        return cls("/v1/classify", body, "application/json", len(sentences))

    @classmethod
    def text(cls, text: str, segments: int) -> "Request":
        return cls("/v1/classify", text.encode(), "text/plain; charset=utf-8", segments)


@dataclass
class LoadResult:
    concurrency: int
    requests: int
    segments: int
    seconds: float
    latencies: list[float] = field(repr=False)
    client_cpu_seconds: float
    server_cpu_seconds: float | None

    @property
    def segments_per_second(self) -> float:
        return self.segments / self.seconds


class LoadError(RuntimeError):
    pass


async def _drive(url: str, requests: Sequence[Request], concurrency: int) -> tuple[list[float], float]:
    latencies: list[float] = [0.0] * len(requests)
    next_index = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(base_url=url, timeout=300, limits=limits) as client:

        async def worker() -> None:
            nonlocal next_index
            while next_index < len(requests):
                index, next_index = next_index, next_index + 1
                request = requests[index]
                started = time.perf_counter()
                response = await client.post(
                    request.path, content=request.body, headers={"Content-Type": request.content_type}
                )
                latencies[index] = time.perf_counter() - started
                if response.status_code != 200:
                    raise LoadError(f"request {index}: HTTP {response.status_code}: {response.text[:300]}")
                answered = len(response.json()["sentences"])
                if answered != request.segments:
                    raise LoadError(f"request {index}: {answered} sentences answered, {request.segments} sent")

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return latencies, time.perf_counter() - started


def run_load(server: ServerProcess, requests: Sequence[Request], concurrency: int) -> LoadResult:
    """Send every request with ``concurrency`` clients in a closed loop; wall time from first send to last answer."""
    client_cpu, server_cpu = time.process_time(), server.cpu_seconds()
    latencies, seconds = asyncio.run(_drive(server.url, requests, concurrency))
    server_after = server.cpu_seconds()
    return LoadResult(
        concurrency=concurrency,
        requests=len(requests),
        segments=sum(request.segments for request in requests),
        seconds=seconds,
        latencies=latencies,
        client_cpu_seconds=time.process_time() - client_cpu,
        server_cpu_seconds=None if server_cpu is None or server_after is None else server_after - server_cpu,
    )


def warm_up(server: ServerProcess, requests: Sequence[Request], count: int = 3) -> None:
    """A few requests first: the first ones through a fresh server are slower (allocations, caches)."""
    run_load(server, list(requests[:count]), 1)
