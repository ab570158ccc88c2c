"""Throughput (segments per second) on the same documents: what a user would run instead, the
predictor, and the HTTP service.

In-process contenders take turns chunk by chunk (the documents are cut into
``rounds`` chunks, and every contender scores each chunk before the next chunk
starts, in an order that rotates), so that all of them see the same machine
load; their times are summed over the chunks. Every contender gets the same
(segment, context) pairs, the pairs the model was trained on and that Parley
builds at inference (model/inputs.py):

- the naive way: ``transformers.pipeline("text-classification")`` on each pair
  as ``{"text": segment, "text_pair": context}``, one call per pair (batch size
  1), torch fp32, truncated to the model's ``max_length`` with the pipeline's
  ``truncation=True``; the label scores it returns are the model's sigmoid
  outputs;
- the predictor: ``Predictor.score_pairs`` on each chunk's pairs (tokenized at
  once, sorted by length, padded batches of ``batch_size``).

Times include tokenization and everything from the pairs to the scores.
"""

import itertools
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from bench_efficiency import BatchedWork, EncoderShape, batched_work
from bench_server import Request, RssSampler, ServerProcess, run_load, warm_up

from model.inputs import Pair, encode_pairs
from model.labels import LABELS
from model.predictor import Predictor
from training.data import Document, read_documents
from training.pairs import labelled_pairs

Contender = Callable[[list[Pair]], np.ndarray]


def select_documents(paths: Sequence[Path], count: int, seed: int = 0) -> list[Document]:
    """``count`` documents of ``paths`` picked by a seeded random sample, kept in file order."""
    documents = read_documents(paths)
    if count >= len(documents):
        return documents
    picked = sorted(random.Random(seed).sample(range(len(documents)), count))
    return [documents[index] for index in picked]


def naive_pipeline(model_dir: Path, device: str = "cpu", dtype: str = "float32"):
    """The pipeline a user would write for the model folder (the weights loaded in ``dtype``)."""
    import torch
    from transformers import pipeline

    return pipeline("text-classification", model=str(model_dir), device=device, dtype=getattr(torch, dtype), top_k=None)


def naive_contender(classifier, max_length: int) -> Contender:
    """One pipeline call per pair; the scores in ``LABELS`` order."""

    def run(pairs: list[Pair]) -> np.ndarray:
        rows = []
        for segment, context in pairs:
            answer = classifier({"text": segment, "text_pair": context}, truncation=True, max_length=max_length)
            if answer and isinstance(answer[0], list):
                answer = answer[0]
            scores = {item["label"]: item["score"] for item in answer}
            rows.append([scores[label] for label in LABELS])
        return np.asarray(rows, dtype=np.float32).reshape(len(pairs), len(LABELS))

    return run


def predictor_contender(predictor: Predictor) -> Contender:
    return predictor.score_pairs


def document_pairs_of(documents: Sequence[Document], predictor: Predictor) -> list[list[Pair]]:
    return [labelled_pairs(document, predictor.metadata.context) for document in documents]


def chunks(count: int, rounds: int) -> list[range]:
    """``range(count)`` cut into ``rounds`` consecutive, nearly equal chunks (none empty)."""
    rounds = max(1, min(rounds, count))
    bounds = np.linspace(0, count, rounds + 1).round().astype(int)
    return [range(begin, end) for begin, end in itertools.pairwise(bounds)]


def interleaved(contenders: dict[str, Contender], doc_pairs: Sequence[list[Pair]], rounds: int) -> dict[str, dict]:
    """Every contender on every chunk, taking turns; seconds and scores per contender."""
    names = list(contenders)
    seconds = dict.fromkeys(names, 0.0)
    scores: dict[str, list[np.ndarray]] = {name: [] for name in names}
    for turn, chunk in enumerate(chunks(len(doc_pairs), rounds)):
        pairs = [pair for index in chunk for pair in doc_pairs[index]]
        for name in names[turn % len(names) :] + names[: turn % len(names)]:
            started = time.perf_counter()
            scored = contenders[name](pairs)
            seconds[name] += time.perf_counter() - started
            scores[name].append(scored)
    segments = sum(len(pairs) for pairs in doc_pairs)
    return {
        name: {
            "seconds": seconds[name],
            "segments": segments,
            "segments_per_second": segments / seconds[name],
            "scores": np.concatenate(scores[name]),
        }
        for name in names
    }


def predictor_work(
    predictor: Predictor, shape: EncoderShape, doc_pairs: Sequence[list[Pair]], rounds: int
) -> BatchedWork:
    """The tokens and FLOPs of the predictor's calls in :func:`interleaved` (one call per chunk)."""
    total = BatchedWork(0, 0, 0, 0, 0)
    for chunk in chunks(len(doc_pairs), rounds):
        pairs = [pair for index in chunk for pair in doc_pairs[index]]
        encoded = encode_pairs(predictor.tokenizer, pairs, predictor.metadata.context)
        total = total + batched_work(shape, [len(ids) for ids in encoded["input_ids"]], predictor.batch_size)
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
    each row's ratio to the naive pipeline and to the predictor."""
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
    return {"documents": documents, "seed": seed, "segments": segments, "rows": rows, "details": []}
