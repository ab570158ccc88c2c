"""Throughput (segments per second) on the same documents: what a user would run instead, the
predictor, and the HTTP service.

In-process contenders take turns chunk by chunk (the pages are cut into
``rounds`` chunks, and every contender scores each chunk before the next chunk
starts, in an order that rotates), so that all of them see the same machine
load; their times are summed over the chunks. Every contender gets the same
pages: each document's segment texts, in order, as ``training.pages`` gives them
(a document of the corpus files is one page):

- the naive way: ``transformers.pipeline("text-classification")`` on the model
  folder, one call per segment (the segment text alone, batch size 1), torch,
  truncated to the model's ``page.max_length`` with the pipeline's
  ``truncation=True``. It loads the same encoder as a sequence classifier, so it
  costs what a naive user would pay, but the pooler that classifier reads is not
  in the folder and gets random weights: its scores are not the model's, and no
  benchmark compares them with the predictor's;
- the predictor: ``Predictor.score_pages`` on each chunk's pages (cut into
  windows, batched by length).

Times include tokenization and everything from the segment texts to the scores.
"""

import itertools
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from bench.bench_efficiency import BatchedWork, EncoderShape, batched_work
from bench.bench_server import Request, RssSampler, ServerProcess, run_load, warm_up
from model.labels import LABELS
from model.predictor import Predictor
from training.data import Document, read_documents
from training.pages import corpus_pages

Page = list[str]  # the segment texts of one page, in order
Contender = Callable[[list[Page]], np.ndarray]  # pages → one row of scores per segment, pages in order
NAIVE_NOTE = (
    "The naive pipeline's scores are not compared with the predictor's: it loads the model's encoder as a "
    "sequence classifier whose pooler is not in the model folder (random weights), so only its cost is the "
    "naive cost."
)


def select_documents(paths: Sequence[Path], count: int, seed: int = 0) -> list[Document]:
    """``count`` documents of ``paths`` picked by a seeded random sample, kept in file order."""
    documents = read_documents(paths)
    if count >= len(documents):
        return documents
    picked = sorted(random.Random(seed).sample(range(len(documents)), count))
    return [documents[index] for index in picked]


def pages_of(documents: Sequence[Document]) -> list[Page]:
    """The segment texts of the documents' pages, as the model reads them (one page per corpus document)."""
    return [page.segments for page in corpus_pages(documents)]


def naive_pipeline(model_dir: Path, device: str = "cpu", dtype: str = "float32"):
    """The pipeline a user would write for the model folder (the weights loaded in ``dtype``).

    Its warning about the pooler's missing weights is silenced: the module docstring says why that is expected.
    """
    import torch
    from transformers import pipeline
    from transformers.utils import logging as transformers_logging

    verbosity = transformers_logging.get_verbosity()
    transformers_logging.set_verbosity_error()
    try:
        return pipeline(
            "text-classification", model=str(model_dir), device=device, dtype=getattr(torch, dtype), top_k=None
        )
    finally:
        transformers_logging.set_verbosity(verbosity)


def naive_contender(classifier, max_length: int) -> Contender:
    """One pipeline call per segment, the segment alone; the scores in ``LABELS`` order."""

    def run(pages: list[Page]) -> np.ndarray:
        rows = []
        for segment in (segment for page in pages for segment in page):
            answer = classifier(segment, truncation=True, max_length=max_length)
            if answer and isinstance(answer[0], list):
                answer = answer[0]
            scores = {item["label"]: item["score"] for item in answer}
            rows.append([scores[label] for label in LABELS])
        return np.asarray(rows, dtype=np.float32).reshape(len(rows), len(LABELS))

    return run


def predictor_contender(predictor: Predictor) -> Contender:
    """All the chunk's pages in one ``score_pages`` call (their windows batched together)."""

    def run(pages: list[Page]) -> np.ndarray:
        return np.concatenate(predictor.score_pages(pages))

    return run


def chunks(count: int, rounds: int) -> list[range]:
    """``range(count)`` cut into ``rounds`` consecutive, nearly equal chunks (none empty)."""
    rounds = max(1, min(rounds, count))
    bounds = np.linspace(0, count, rounds + 1).round().astype(int)
    return [range(begin, end) for begin, end in itertools.pairwise(bounds)]


def interleaved(contenders: dict[str, Contender], pages: Sequence[Page], rounds: int) -> dict[str, dict]:
    """Every contender on every chunk of pages, taking turns; seconds and scores per contender."""
    names = list(contenders)
    seconds = dict.fromkeys(names, 0.0)
    scores: dict[str, list[np.ndarray]] = {name: [] for name in names}
    for turn, chunk in enumerate(chunks(len(pages), rounds)):
        chunk_pages = [pages[index] for index in chunk]
        for name in names[turn % len(names) :] + names[: turn % len(names)]:
            started = time.perf_counter()
            scored = contenders[name](chunk_pages)
            seconds[name] += time.perf_counter() - started
            scores[name].append(scored)
    segments = sum(len(page) for page in pages)
    return {
        name: {
            "seconds": seconds[name],
            "segments": segments,
            "segments_per_second": segments / seconds[name],
            "scores": np.concatenate(scores[name]),
        }
        for name in names
    }


def predictor_work(predictor: Predictor, shape: EncoderShape, pages: Sequence[Page], rounds: int) -> BatchedWork:
    """The windows, tokens and FLOPs of the predictor's calls in :func:`interleaved` (one call per chunk),
    batched as ``Predictor.score_windows`` batches them."""
    total = BatchedWork(0, 0, 0, 0, 0, 0)
    for chunk in chunks(len(pages), rounds):
        lengths = [len(window.input_ids) for index in chunk for window in predictor.encode_page(pages[index])]
        total = total + batched_work(
            shape, lengths, predictor.batch_size, predictor.max_batch_tokens, predictor.max_padding
        )
    return total


def agreement(reference: np.ndarray, other: np.ndarray, thresholds: dict[str, float]) -> dict:
    """How far ``other``'s scores are from ``reference``'s, and how often their labels agree."""
    from training.evaluate import apply_thresholds

    labels = apply_thresholds(reference, thresholds) == apply_thresholds(other, thresholds)
    return {
        "max_abs_score_diff": float(np.abs(reference - other).max()),
        "label_agreement": float(labels.mean()),
    }


def service_throughput(
    server: ServerProcess, documents: Sequence[Document], concurrencies: Sequence[int], sample_rss_at: int | None
) -> dict[int, dict]:
    """Every document POSTed once as ``{"sentences": [...]}`` per client count; RSS sampled during one run."""
    requests = [Request.sentences([segment.text for segment in document.segments]) for document in documents]
    warm_up(server, requests)
    results = {}
    for concurrency in concurrencies:
        if concurrency == sample_rss_at:
            with RssSampler(server.pid) as sampler:
                result = run_load(server, requests, concurrency)
            memory = {"peak_rss_mib_sampled": sampler.peak_kib / 1024, "rss_samples": sampler.samples}
            memory["peak_rss_mib_hwm"] = server.peak_rss_mib()
        else:
            result = run_load(server, requests, concurrency)
            memory = {}
        latencies_ms = sorted(1000 * latency for latency in result.latencies)
        results[concurrency] = {
            "concurrency": concurrency,
            "requests": result.requests,
            "segments": result.segments,
            "seconds": result.seconds,
            "segments_per_second": result.segments_per_second,
            "median_request_ms": float(np.median(latencies_ms)),
            "client_cpu_seconds": result.client_cpu_seconds,
            "server_cpu_seconds": result.server_cpu_seconds,
            **memory,
        }
    return results


def throughput_table(
    measured: dict[str, dict],
    service: dict[int, dict],
    *,
    naive: str,
    predictor: str,
    documents: int,
    seed: int,
    service_label: str,
) -> dict:
    """The rows of the throughput table (in-process contenders, then the service per client count), with
    each row's ratio to the naive pipeline and to the predictor; its details start with :data:`NAIVE_NOTE`."""
    naive_rate, predictor_rate = measured[naive]["segments_per_second"], measured[predictor]["segments_per_second"]
    rows = [
        {"name": name, "seconds": row["seconds"], "segments_per_second": row["segments_per_second"]}
        for name, row in measured.items()
    ]
    for concurrency, row in service.items():
        rows.append(
            {
                "name": f"{service_label}, {concurrency} client{'s' if concurrency > 1 else ''}",
                "concurrency": concurrency,
                **row,
            }
        )
    for row in rows:
        row["vs_naive"] = row["segments_per_second"] / naive_rate
        row["vs_predictor"] = row["segments_per_second"] / predictor_rate
    segments = next(iter(measured.values()))["segments"]
    return {"documents": documents, "seed": seed, "segments": segments, "rows": rows, "details": [NAIVE_NOTE]}
