"""Feedback is never lost: concurrent clients, then a server killed with SIGKILL in the middle of writes.

    python -m bench.feedback_reliability [--clients 32] [--seconds 60] [--kill-after 10]
                                         [--database-url URL] [--model models/default]

1. A real `parley serve` on loopback; ``--clients`` httpx coroutines post corrections for ``--seconds``
   (closed loop: each sends its next as soon as its answer is in; one to three corrections a request, a
   quarter of them without scores, so that the model scores their page). The server is stopped; every
   acknowledged id must be in the database, and the database must hold no other row.
2. The server is started again on the same database; the clients post again, and after ``--kill-after``
   seconds the server is killed with SIGKILL while they write. The database must then open (SQLite: its
   integrity check passes) and hold every correction acknowledged before the kill.

The database is a new SQLite file in build/feedback_reliability/ unless ``--database-url`` names another
(an empty PostgreSQL database, say). Writes bench/results/feedback_reliability.json and .md; the exit status is
1 when a correction is lost. tests/test_feedback_reliability.py runs the same checks for a few seconds on
SQLite and on PostgreSQL.
"""

import argparse
import asyncio
import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import text

from bench.bench_server import ServerProcess, write_config
from feedback.store import FeedbackStore
from feedback.store import database_url as parse_database_url
from model.labels import ACTS, LABELS
from parley.config import DEFAULT_CONFIG_PATH

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
WORK = ROOT / "build" / "feedback_reliability"
SENTENCES = [
    "La direction a proposé une prime de {n} euros aux contrôleurs.",
    "« Nous refusons ce texte en l'état », a déclaré la déléguée syndicale n° {n}.",
    "Le ministre se dit prêt à rouvrir la discussion si le préavis {n} est levé.",
    "Accueil  Monde  Économie  ({n})",
]


@dataclass
class PostOutcome:
    """What the clients saw: the ids acknowledged (201), and every other outcome by status."""

    acknowledged: list[int] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    requests: int = 0


def correction_request(rng: random.Random, number: int) -> dict:
    items = []
    for part in range(rng.randint(1, 3)):
        sentence = rng.choice(SENTENCES).format(n=f"{number}-{part}")
        boilerplate = sentence.startswith("Accueil")
        item = {
            "text": sentence,
            "boilerplate": boilerplate,
            "acts": [] if boilerplate else rng.sample(ACTS, rng.randint(0, 2)),
        }
        if rng.random() < 0.75:
            item["scores"] = {label: round(rng.random(), 4) for label in LABELS}
        items.append(item)
    return {"items": items}


async def post_corrections(url: str, clients: int, seconds: float, seed: int = 13) -> PostOutcome:
    """``clients`` closed-loop clients posting corrections to ``url`` for ``seconds``."""
    outcome = PostOutcome()
    deadline = time.monotonic() + seconds
    counter = iter(range(10**9))
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:

        async def one_client(index: int) -> None:
            rng = random.Random(seed * 1000 + index)
            while time.monotonic() < deadline:
                body = correction_request(rng, next(counter))
                outcome.requests += 1
                try:
                    response = await client.post("/v1/feedback", json=body, headers={"X-Parley-Client": f"c{index}"})
                except httpx.TransportError:
                    outcome.statuses["no answer"] += 1
                    await asyncio.sleep(0.05)  # the server is down: do not spin
                    continue
                if response.status_code == 201:
                    outcome.acknowledged += response.json()["ids"]
                else:
                    outcome.statuses[str(response.status_code)] += 1

        await asyncio.gather(*(one_client(index) for index in range(clients)))
    return outcome


def stored_ids(database_url: str) -> set[int]:
    store = FeedbackStore(database_url)
    try:
        return {correction.id for correction in store.corrections()}
    finally:
        store.close()


def integrity(database_url: str) -> str:
    """SQLite's own check of the file ('ok' when sound); PostgreSQL: whether it answers."""
    store = FeedbackStore(database_url)
    try:
        with store.engine.connect() as connection:
            if store.engine.dialect.name == "sqlite":
                return connection.execute(text("PRAGMA integrity_check")).scalar_one()
            return "ok" if connection.execute(text("SELECT 1")).scalar_one() == 1 else "no answer"
    finally:
        store.close()


def concurrent_phase(server: ServerProcess, database_url: str, clients: int, seconds: float) -> dict:
    before = stored_ids(database_url)
    outcome = asyncio.run(post_corrections(server.url, clients, seconds))
    server.stop()
    new_rows = stored_ids(database_url) - before
    acknowledged = set(outcome.acknowledged)
    return {
        "clients": clients,
        "seconds": seconds,
        "requests": outcome.requests,
        "acknowledged": len(acknowledged),
        "rows_stored": len(new_rows),
        "lost": len(acknowledged - new_rows),
        "unacknowledged_rows": len(new_rows - acknowledged),
        "other_answers": dict(outcome.statuses),
    }


def kill_phase(server: ServerProcess, database_url: str, clients: int, kill_after: float) -> dict:
    before = stored_ids(database_url)
    killer = threading.Timer(kill_after, server.kill)
    killer.start()
    outcome = asyncio.run(post_corrections(server.url, clients, kill_after + 1.0, seed=31))
    killer.join()
    check = integrity(database_url)
    new_rows = stored_ids(database_url) - before
    acknowledged = set(outcome.acknowledged)
    return {
        "clients": clients,
        "killed_after_seconds": kill_after,
        "requests": outcome.requests,
        "acknowledged_before_kill": len(acknowledged),
        "rows_stored": len(new_rows),
        "lost": len(acknowledged - new_rows),
        "integrity": check,
        "other_answers": dict(outcome.statuses),
    }


def run(model: Path, database_url: str, clients: int, seconds: float, kill_after: float, work: Path) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    config = write_config(DEFAULT_CONFIG_PATH, work / "config.yaml", {"feedback": {"database_url": database_url}})

    def server() -> ServerProcess:
        return ServerProcess(
            model=model, config=config, backend="auto", device="cpu", log_path=work / "server.log", cwd=ROOT
        )

    with server() as first:
        concurrent = concurrent_phase(first, database_url, clients, seconds)
    with server() as second:
        killed = kill_phase(second, database_url, clients, kill_after)
    return {
        "database": _shown(parse_database_url(database_url).render_as_string(hide_password=True)),
        "model": _shown(str(model)),
        "concurrent": concurrent,
        "sigkill": killed,
        "passed": concurrent["lost"] == 0
        and concurrent["unacknowledged_rows"] == 0
        and killed["lost"] == 0
        and killed["integrity"] == "ok",
    }


def _shown(location: str) -> str:
    """A path or URL as the report shows it: relative to the clone when it is inside it."""
    return location.replace(f"{ROOT}/", "")


def report(result: dict) -> str:
    concurrent, killed = result["concurrent"], result["sigkill"]
    return "\n".join(
        [
            "# Feedback reliability (bench/feedback_reliability.py)",
            "",
            f"Database: `{result['database']}`; model `{result['model']}`. "
            f"{'Passed' if result['passed'] else 'FAILED'}.",
            "",
            "| phase | clients | requests | acknowledged | rows stored | lost | other answers |",
            "|---|---|---|---|---|---|---|",
            f"| {concurrent['seconds']:g} s of concurrent posts | {concurrent['clients']} | {concurrent['requests']} | "
            f"{concurrent['acknowledged']} | {concurrent['rows_stored']} | {concurrent['lost']} | "
            f"{concurrent['other_answers'] or '-'} |",
            f"| SIGKILL after {killed['killed_after_seconds']:g} s of posts | {killed['clients']} | "
            f"{killed['requests']} | {killed['acknowledged_before_kill']} | {killed['rows_stored']} | "
            f"{killed['lost']} | "
            f"{killed['other_answers'] or '-'} |",
            "",
            f"After the SIGKILL the database opened; integrity check: {killed['integrity']}.",
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--kill-after", type=float, default=10)
    parser.add_argument("--database-url", help="an empty database; default: a new SQLite file under build/")
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "default")
    parser.add_argument("--output", type=Path, default=RESULTS / "feedback_reliability")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    database_url = args.database_url
    if database_url is None:
        database = WORK / "feedback.sqlite3"
        for stale in WORK.glob("feedback.sqlite3*"):
            stale.unlink()
        database_url = f"sqlite:///{database}"
    result = run(args.model, database_url, args.clients, args.seconds, args.kill_after, WORK)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    args.output.with_suffix(".md").write_text(report(result), encoding="utf-8")
    print(report(result))
    raise SystemExit(0 if result["passed"] else 1)


if __name__ == "__main__":
    main()
