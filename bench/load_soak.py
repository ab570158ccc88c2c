"""Load and soak test: a real `parley serve` on loopback, many concurrent clients, mixed and invalid requests.

    python -m bench.load_soak [--model models/default] [--requests 2000] [--clients 32] [--warmup 100]
                                   [--profile short|mixed] [--max-seconds 480]

`make bench` runs it as the "soak" section of bench/run.py (20,000 requests) and puts its figures in
bench/RESULTS.md; run alone, it prints the same section and writes its JSON to build/load_soak.json.

It starts `parley serve` as a subprocess (its own interpreter: the load generator does not slow it through
Python's lock, and its memory is read from /proc), waits for /readyz, then ``--clients`` httpx coroutines each
send their next request as soon as the previous answer is in (a closed loop) until ``--requests`` are done.

The requests are drawn (seeded) from the pages of data/test.jsonl, in two profiles (short / mixed):

- short: 1 sentence (short profile) or 1 to 3 (mixed) as ``{"sentences": [...]}``   (70 % / 50 %)
- page: the first 4 to 6 (short) or 4 to 12 (mixed) segments of a page, text/plain   (10 % / 25 %)
- batch: 2 or 3 pages of 1 to 2 (short) or 1 to 4 (mixed) segments, /v1/classify/batch  (5 % / 10 %)
- invalid: empty text, malformed JSON, a wrong content type, an unknown field, too many documents, a body over
  the size limit, a wrong method, an unknown path   (15 %); each must get its documented 4xx.

A request costs the server in proportion to its segments, so the short profile (about 1.3 segments a request)
is what lets a run of thousands of requests fit in minutes on 2 CPU cores. ``--max-seconds``
bounds the measured phase: no request is sent after it (those in flight finish), and the count sent is
reported.

Warm-up requests come first; the server's resident memory (VmRSS) is read after them and again after the run
(once the server is idle), and sampled during it. The run passes when no answer is a 5xx, no request is
dropped (every one gets an HTTP answer, with the status its kind must get and, when 200, one result per
sentence sent), and the memory after the run is within ``--memory-tolerance`` (10 %) of the memory after
warm-up. Latency percentiles (p50, p95, p99, max) are over all measured requests and per kind.

The server's log goes to build/load_soak.server.log (one line per request: kept out of the results); the exit
status is 1 when the run fails.
"""

import argparse
import asyncio
import json
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench import bench_report
from bench.bench_latency import percentiles
from bench.bench_server import RssSampler, ServerProcess
from model.segment import segment_text
from parley.config import DEFAULT_CONFIG_PATH, load_settings

ROOT = Path(__file__).resolve().parent.parent

FALLBACK_PAGES = [
    [
        "Accueil  Monde  Économie",
        "La direction a proposé une prime de 900 euros, à condition que le préavis soit levé.",
        "« Le compte n'y est pas », a répondu le secrétaire général du syndicat.",
        "Le ministre s'est dit prêt à recevoir les organisations syndicales dès vendredi.",
        "Partager sur Facebook",
    ]
]


@dataclass(frozen=True)
class Request:
    kind: str
    method: str
    path: str
    body: bytes
    content_type: str | None
    expected_status: int
    sentences: int = 0  # sentences the answer must hold (200 only); -1: one result per batch document


def load_pages(path: Path) -> list[list[str]]:
    if not path.is_file():
        return FALLBACK_PAGES
    pages = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            segments = [segment["text"] for segment in json.loads(line)["segments"]]
            if segments:
                pages.append(segments)
    return pages or FALLBACK_PAGES


PROFILES = {
    # kind shares (cumulative cut points) and sizes
    "short": {"cuts": (0.70, 0.80, 0.85), "sentences": (1, 1), "page": (4, 6), "batch_page": (1, 2)},
    "mixed": {"cuts": (0.50, 0.75, 0.85), "sentences": (1, 3), "page": (4, 12), "batch_page": (1, 4)},
}


PROFILE_TEXT = {
    "short": "70 % one sentence, 10 % pages of 4-6 segments (text/plain), 5 % batches of 2-3 pages of 1-2 segments",
    "mixed": "50 % 1-3 sentences, 25 % pages of 4-12 segments (text/plain), 10 % batches of 2-3 pages of 1-4 segments",
}


def make_requests(count: int, pages: list[list[str]], limits, seed: int, profile: str) -> list[Request]:
    rng = random.Random(seed)
    shape = PROFILES[profile]
    short_cut, page_cut, batch_cut = shape["cuts"]
    requests = []
    for _ in range(count):
        roll = rng.random()
        page = rng.choice(pages)
        if roll < short_cut:
            start = rng.randrange(len(page))
            sentences = page[start : start + rng.randint(*shape["sentences"])]
            body = json.dumps({"sentences": sentences}, ensure_ascii=False).encode()
            requests.append(Request("short", "POST", "/v1/classify", body, "application/json", 200, len(sentences)))
        elif roll < page_cut:
            text = "\n".join(page[: rng.randint(*shape["page"])])
            segments = len(segment_text(text, "fr"))
            requests.append(
                Request("page", "POST", "/v1/classify", text.encode(), "text/plain; charset=utf-8", 200, segments)
            )
        elif roll < batch_cut:
            documents = [
                {"id": f"d{index}", "text": "\n".join(rng.choice(pages)[: rng.randint(*shape["batch_page"])])}
                for index in range(rng.randint(2, 3))
            ]
            body = json.dumps({"documents": documents}, ensure_ascii=False).encode()
            requests.append(Request("batch", "POST", "/v1/classify/batch", body, "application/json", 200, -1))
        else:
            requests.append(invalid_request(rng, page, limits))
    return requests


def invalid_request(rng: random.Random, page: list[str], limits) -> Request:
    text = page[0]
    choice = rng.randrange(8)
    if choice == 0:
        return Request("invalid", "POST", "/v1/classify", b'{"text": "   "}', "application/json", 422)
    if choice == 1:
        return Request("invalid", "POST", "/v1/classify", b'{"text": "La direction', "application/json", 400)
    if choice == 2:
        return Request("invalid", "POST", "/v1/classify", text.encode(), "application/xml", 415)
    if choice == 3:
        body = json.dumps({"text": text, "unknown": 1}).encode()
        return Request("invalid", "POST", "/v1/classify", body, "application/json", 422)
    if choice == 4:
        documents = [{"id": str(i), "text": text} for i in range(limits.max_documents_per_batch + 1)]
        body = json.dumps({"documents": documents}).encode()
        return Request("invalid", "POST", "/v1/classify/batch", body, "application/json", 413)
    if choice == 5:
        body = ("x" * (limits.max_body_bytes + 1)).encode()
        return Request("invalid", "POST", "/v1/classify", body, "text/plain", 413)
    if choice == 6:
        return Request("invalid", "GET", "/v1/classify", b"", None, 405)
    return Request("invalid", "GET", "/v1/nowhere", b"", None, 404)


@dataclass
class Outcome:
    request: Request
    status: int | None  # None: no HTTP answer (dropped)
    seconds: float
    problem: str | None = None


async def send(client: httpx.AsyncClient, request: Request) -> Outcome:
    headers = {"Content-Type": request.content_type} if request.content_type else {}
    started = time.perf_counter()
    try:
        response = await client.request(request.method, request.path, content=request.body or None, headers=headers)
    except httpx.HTTPError as error:
        return Outcome(request, None, time.perf_counter() - started, f"{type(error).__name__}: {error}")
    elapsed = time.perf_counter() - started
    problem = None
    if response.status_code != request.expected_status:
        problem = f"status {response.status_code}, expected {request.expected_status}: {response.text[:200]}"
    elif response.status_code == 200:
        answer = response.json()
        if request.sentences >= 0 and len(answer["sentences"]) != request.sentences:
            problem = f"{len(answer['sentences'])} sentences in the answer, {request.sentences} sent ({request.kind})"
        elif request.sentences < 0 and len(answer["documents"]) != len(json.loads(request.body)["documents"]):
            problem = "a batch answer lost a document"
    elif "error" not in response.json():
        problem = "an error answer without its JSON error body"
    return Outcome(request, response.status_code, elapsed, problem)


async def run_load(
    url: str, requests: list[Request], clients: int, max_seconds: float | None = None
) -> tuple[list[Outcome], float]:
    queue: asyncio.Queue[Request] = asyncio.Queue()
    for request in requests:
        queue.put_nowait(request)
    outcomes: list[Outcome] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:

        async def worker() -> None:
            while max_seconds is None or time.perf_counter() - started < max_seconds:
                try:
                    request = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                outcomes.append(await send(client, request))

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        return outcomes, time.perf_counter() - started


def latency_ms(seconds: list[float]) -> dict[str, float]:
    """p50, p95, p99 (bench_latency's percentiles), max and mean of request times, in milliseconds."""
    if not seconds:
        return {}
    milliseconds = [1000 * value for value in seconds]
    return {
        **{f"{name}_ms": round(value, 1) for name, value in percentiles(milliseconds).items()},
        "max_ms": round(max(milliseconds), 1),
        "mean_ms": round(statistics.fmean(milliseconds), 1),
    }


def summarise(outcomes: list[Outcome], seconds: float) -> dict:
    by_kind: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        by_kind.setdefault(outcome.request.kind, []).append(outcome)
    statuses = Counter(str(outcome.status) if outcome.status is not None else "no answer" for outcome in outcomes)
    problems = [outcome for outcome in outcomes if outcome.problem]
    return {
        "requests": len(outcomes),
        "seconds": round(seconds, 1),
        "requests_per_second": round(len(outcomes) / seconds, 1) if seconds else None,
        "statuses": dict(sorted(statuses.items())),
        "server_errors_5xx": sum(1 for o in outcomes if o.status is not None and o.status >= 500),
        "dropped": sum(1 for o in outcomes if o.status is None),
        "wrong_answers": len(problems),
        "problem_examples": sorted({o.problem for o in problems})[:10],
        "latency": latency_ms([o.seconds for o in outcomes]),
        "latency_by_kind": {
            kind: {"requests": len(items), **latency_ms([o.seconds for o in items])}
            for kind, items in sorted(by_kind.items())
        },
        "segments_scored": sum(o.request.sentences for o in outcomes if o.status == 200 and o.request.sentences > 0),
    }


def soak(
    *,
    model: Path,
    config: Path,
    backend: str,
    data: Path,
    requests: int,
    warmup: int,
    profile: str,
    max_seconds: float | None,
    clients: int,
    seed: int,
    memory_tolerance: float,
    command: str,
) -> dict:
    """Start `parley serve`, warm it up, run the measured load, stop it; every figure and check in a dict."""
    limits = load_settings(config).serving
    pages = load_pages(data)
    warmup_requests = make_requests(warmup, pages, limits, seed=seed + 1, profile=profile)
    measured = make_requests(requests, pages, limits, seed=seed, profile=profile)
    log_path = ROOT / "build" / "load_soak.server.log"  # one line per request: kept out of the results
    log_path.parent.mkdir(parents=True, exist_ok=True)
    server = ServerProcess(model=model, config=config, backend=backend, device="cpu", log_path=log_path, cwd=ROOT)
    print(f"starting parley serve on {server.url} ({model}, backend {backend}) ...", flush=True)
    ready_seconds = server.start()
    process, url = server.process, server.url
    try:
        rss_ready = server.rss_mib()
        with httpx.Client(timeout=10) as client:
            served_backend = client.get(f"{url}/v1/model").json()["backend"]
        warm_outcomes, warm_seconds = asyncio.run(run_load(url, warmup_requests, clients))
        time.sleep(2)
        rss_warm = server.rss_mib()
        print(f"warm-up: {len(warm_outcomes)} requests in {warm_seconds:.1f} s, RSS {rss_warm:.0f} MiB", flush=True)
        with RssSampler(process.pid, interval=0.25) as sampler:
            outcomes, seconds = asyncio.run(run_load(url, measured, clients, max_seconds))
        time.sleep(2)
        rss_after = server.rss_mib()
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            exit_code = process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            exit_code = process.wait()
    server_log = log_path.read_text(encoding="utf-8", errors="replace")
    summary = summarise(outcomes, seconds)
    growth = (rss_after - rss_warm) / rss_warm if rss_warm and rss_after else None
    result = {
        "command": command,
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "model": str(model.relative_to(ROOT) if model.is_relative_to(ROOT) else model),
        "backend": served_backend,
        "clients": clients,
        "profile": profile,
        "profile_text": PROFILE_TEXT[profile],
        "requests_planned": len(measured),
        "max_seconds": max_seconds,
        "warmup_requests": len(warm_outcomes),
        "warmup_problems": sum(1 for o in warm_outcomes if o.problem),
        "server_ready_seconds": round(ready_seconds, 1),
        **summary,
        "memory_mib": {
            "ready": round(rss_ready or 0, 1),
            "after_warmup": round(rss_warm or 0, 1),
            "peak_during_run": round(sampler.peak_kib / 1024, 1),
            "after_run": round(rss_after or 0, 1),
            "growth_after_run_vs_warmup": round(growth, 4) if growth is not None else None,
        },
        "server_log_error_lines": sum(1 for line in server_log.splitlines() if " ERROR " in line),
        "server_exit_code": exit_code,
    }
    checks = {
        "no 5xx": result["server_errors_5xx"] == 0,
        "no dropped request": result["dropped"] == 0,
        "every answer as expected": result["wrong_answers"] == 0 and result["warmup_problems"] == 0,
        f"memory after the run within {memory_tolerance:.0%} of after warm-up": growth is not None
        and abs(growth) <= memory_tolerance,
        "no ERROR line in the server log": result["server_log_error_lines"] == 0,
        # uvicorn shuts down on SIGTERM, then re-raises it: the process ends "killed by SIGTERM" (-15) on purpose.
        "clean shutdown on SIGTERM": exit_code in (0, -signal.SIGTERM)
        and "Application shutdown complete" in server_log,
    }
    result["checks"] = checks
    result["passed"] = all(checks.values())
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "default")
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG_PATH)
    parser.add_argument("--backend", choices=["auto", "torch", "onnx"], default="auto")
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "test.jsonl")
    parser.add_argument("--requests", type=int, default=2000, help="measured requests (after the warm-up)")
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--profile", choices=sorted(PROFILES), default="short")
    parser.add_argument("--max-seconds", type=float, default=480, help="time budget of the measured phase")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--memory-tolerance", type=float, default=0.10)
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "load_soak.json")
    args = parser.parse_args()
    result = soak(
        model=args.model,
        config=args.config,
        backend=args.backend,
        data=args.data,
        requests=args.requests,
        warmup=args.warmup,
        profile=args.profile,
        max_seconds=args.max_seconds,
        clients=args.clients,
        seed=args.seed,
        memory_tolerance=args.memory_tolerance,
        command="python -m bench.load_soak " + " ".join(sys.argv[1:]),
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(bench_report.load_soak_section(result))
    raise SystemExit(0 if result["passed"] else 1)


if __name__ == "__main__":
    main()
