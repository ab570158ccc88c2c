"""The feedback loop, measured: a user corrects 40 real-like pages through the API, and the retrained model is
scored on the 80 others.

    python -m bench.feedback_loop [--epochs 1] [--model models/default] [--keep]

1. Split ../shared/realdev by document: in doc_id order, every third page (40, ten of each domain) is the
   user's; the other 80 are held out.
2. Start `parley serve` on a new SQLite database and send the gold labels of the user's pages as corrections
   (`POST /v1/feedback`, one request per page, each sentence with its page as context and no scores: the
   served model scores them, as it would for a user who corrects what the web page showed).
3. `parley feedback export --out corrections.jsonl`, then
   `parley train --init-from MODEL --data corrections.jsonl --with-corpus` for ``--epochs`` epochs (the rest of
   the recipe is the shipped one: thresholds tuned on data/dev).
4. Score MODEL and the retrained model (torch, their own thresholds) on the 80 held-out pages, and bootstrap
   the gain over those pages (1,000 resamples of the pages, paired) for its 95 % interval.

This is the one place where realdev pages are trained on, to measure what a user's own corrections buy; the
shipped model never is. The work goes to build/feedback_loop/ (the retrained model is deleted unless --keep);
the figures to bench/results/feedback_loop.json and .md.
"""

import argparse
import itertools
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
from sklearn.metrics import f1_score

from bench.bench_server import ServerProcess, write_config
from bench.realdev import REALDEV_TITLE, figures, load_realdev, missing_note, predict
from model.labels import ACTS, LABELS
from parley.config import DEFAULT_CONFIG_PATH
from training.data import Document
from training.evaluate import gold_matrix

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
WORK = ROOT / "build" / "feedback_loop"
TARGET_GAIN = 0.05


def split_user_pages(documents: list[Document]) -> tuple[list[Document], list[Document]]:
    """(the user's 40 pages, the 80 held out): every third page in doc_id order."""
    ordered = sorted(documents, key=lambda document: document.doc_id)
    return ordered[::3], [document for index, document in enumerate(ordered) if index % 3]


def page_corrections(document: Document) -> dict:
    """A page's gold labels as one `POST /v1/feedback` body."""
    context = [segment.text for segment in document.segments]
    return {
        "items": [
            {
                "text": segment.text,
                "boilerplate": segment.boilerplate,
                "acts": list(segment.acts),
                "context": context,
                "language": document.lang,
            }
            for segment in document.segments
        ]
    }


def send_corrections(url: str, documents: list[Document]) -> int:
    """Post every page's corrections; the number of corrections acknowledged."""
    acknowledged = 0
    with httpx.Client(base_url=url, timeout=120) as client:
        for document in documents:
            response = client.post(
                "/v1/feedback", json=page_corrections(document), headers={"X-Parley-Client": "bench"}
            )
            response.raise_for_status()
            acknowledged += len(response.json()["ids"])
    return acknowledged


def gain_interval(
    documents: list[Document], gold: np.ndarray, before: np.ndarray, after: np.ndarray, rounds: int = 1000
) -> list[float]:
    """The 2.5th and 97.5th percentiles of the acts macro-F1 gain over pages resampled with replacement
    (both models on the same resample), rounded to 4 places."""
    bounds = np.cumsum([0] + [len(document.segments) for document in documents])
    pages = [np.arange(start, stop) for start, stop in itertools.pairwise(bounds)]
    rng = np.random.default_rng(0)
    gains = []
    for _ in range(rounds):
        rows = np.concatenate([pages[index] for index in rng.integers(0, len(pages), len(pages))])
        gains.append(_macro_f1_acts(gold[rows], after[rows]) - _macro_f1_acts(gold[rows], before[rows]))
    return [round(float(value), 4) for value in np.percentile(gains, [2.5, 97.5])]


def _macro_f1_acts(gold: np.ndarray, predicted: np.ndarray) -> float:
    acts = [LABELS.index(act) for act in ACTS]
    return f1_score(gold[:, acts], predicted[:, acts], average="macro", zero_division=0)


def parley(*arguments: str) -> None:
    """Run a `parley` command as a user would; its output goes to this process's."""
    command = [sys.executable, "-m", "parley", *arguments]
    subprocess.run(command, check=True, cwd=ROOT, env={**os.environ, "HF_HUB_OFFLINE": "1"})


def report(result: dict) -> str:
    before, after = result["before"], result["after"]
    rows = [
        f"| {name} | {figures['macro_f1_acts']:.3f} | {figures['boilerplate_f1']:.3f} | "
        + " | ".join(f"{figures[f'f1_{act}']:.3f}" for act in ("proposal", "acceptance", "refusal", "condition"))
        + " |"
        for name, figures in ((f"{result['model']} (before)", before), ("retrained on the corrections", after))
    ]
    gain = result["gain_macro_f1_acts"]
    low, high = result["gain_95_interval"]
    verdict = "met" if gain >= TARGET_GAIN else "missed"
    return "\n".join(
        [
            "# The feedback loop (bench/feedback_loop.py)",
            "",
            f"{result['user_pages']} pages of {REALDEV_TITLE} sent as corrections through `POST /v1/feedback` "
            f"({result['corrections']} corrections), exported with `parley feedback export` "
            f"({result['exported_documents']} documents), and `parley train --init-from {result['model']} "
            f"--data corrections.jsonl --with-corpus` for {result['epochs']:g} epoch(s) on {result['device']}.",
            f"Scored on the other {result['held_out_pages']} pages ({result['held_out_segments']} segments).",
            "",
            "| model | acts macro-F1 | boilerplate F1 | proposal | acceptance | refusal | condition |",
            "|---|---|---|---|---|---|---|",
            *rows,
            "",
            f"Acts macro-F1 {gain:+.3f} (target +{TARGET_GAIN:.2f}: {verdict}); 95 % interval of the gain over "
            f"the held-out pages (paired bootstrap): {low:+.3f} to {high:+.3f}. "
            f"The retrain took {result['retrain_seconds'] / 60:.1f} min; sending the corrections "
            f"{result['send_seconds']:.1f} s, the export {result['export_seconds']:.1f} s.",
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "default")
    parser.add_argument("--epochs", type=float, default=1.0, help="epochs of the retrain (over corpus + corrections)")
    parser.add_argument("--keep", action="store_true", help="keep the retrained model in build/feedback_loop/model")
    parser.add_argument("--output", type=Path, default=RESULTS / "feedback_loop")
    args = parser.parse_args()
    documents = load_realdev()
    if documents is None:
        raise SystemExit(missing_note())
    user_pages, held_out = split_user_pages(documents)

    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    model_dir, corrections = WORK / "model", WORK / "corrections.jsonl"
    overrides = {
        "feedback": {"database_url": f"sqlite:///{WORK / 'feedback.sqlite3'}"},
        "training": {"epochs": args.epochs, "checkpoint_dir": str(WORK / "runs")},
    }
    config = write_config(DEFAULT_CONFIG_PATH, WORK / "config.yaml", overrides)

    server = ServerProcess(
        model=args.model, config=config, backend="auto", device="cpu", log_path=WORK / "server.log", cwd=ROOT
    )
    with server:
        started = time.perf_counter()
        sent = send_corrections(server.url, user_pages)
        send_seconds = time.perf_counter() - started
    started = time.perf_counter()
    parley("feedback", "export", "--out", str(corrections), "--config", str(config))
    export_seconds = time.perf_counter() - started
    exported = sum(1 for line in corrections.read_text(encoding="utf-8").splitlines() if line.strip())
    started = time.perf_counter()
    parley(
        "train",
        "--config", str(config),
        "--init-from", str(args.model),
        "--data", str(corrections),
        "--with-corpus",
        "--output", str(model_dir),
    )  # fmt: skip
    retrain_seconds = time.perf_counter() - started

    import torch

    gold = gold_matrix(held_out)
    before_labels, before_scores = predict(args.model, held_out)
    after_labels, after_scores = predict(model_dir, held_out)
    before, after = figures(gold, before_labels, before_scores), figures(gold, after_labels, after_scores)
    interval = gain_interval(held_out, gold, before_labels, after_labels)
    result = {
        "realdev": REALDEV_TITLE,
        "model": str(args.model.relative_to(ROOT) if args.model.is_relative_to(ROOT) else args.model),
        "user_pages": len(user_pages),
        "held_out_pages": len(held_out),
        "held_out_segments": sum(len(document.segments) for document in held_out),
        "corrections": sent,
        "exported_documents": exported,
        "epochs": args.epochs,
        "device": torch.cuda.get_device_name() if torch.cuda.is_available() else f"cpu ({os.cpu_count()} cores)",
        "send_seconds": round(send_seconds, 1),
        "export_seconds": round(export_seconds, 1),
        "retrain_seconds": round(retrain_seconds, 1),
        "before": before,
        "after": after,
        "gain_macro_f1_acts": round(after["macro_f1_acts"] - before["macro_f1_acts"], 4),
        "gain_95_interval": interval,
    }
    if not args.keep:
        shutil.rmtree(model_dir)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    args.output.with_suffix(".md").write_text(report(result), encoding="utf-8")
    print(report(result))


if __name__ == "__main__":
    main()
