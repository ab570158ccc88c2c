"""Before / after the optimisation this suite led to, measured side by side in the same run.

The *before* predictor shares the *after* predictor's ONNX Runtime session and
differs only by its batching: plain batches of ``batch_size`` pairs in length
order, as at commit a27d2e1. See TEXT for the change and why.
"""

import copy
import json
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from bench_profile import phase_seconds

from model.inputs import Pair
from model.predictor import Predictor

PROFILE_DOCUMENTS = 6
BEFORE = "before: plain batches of 32 pairs"
AFTER = "after: batches of ≤ 512 tokens, ≤ 10 % padding"
TEXT = [
    "The profile of this run is in the lines under the table: cProfile's split of `Predictor.score_pairs` into",
    "tokenization, padding, the forward pass (the scorer: ONNX Runtime's `run`) and the rest, and ONNX Runtime's",
    "own per-operator profile (`enable_profiling`), both on the pairs of 6 documents. The forward pass is",
    "where the time goes, so tokenization and padding were left as they were.",
    "",
    "The change: on the CPU, `Predictor.score_pairs` now cuts its length-sorted pairs into batches of at most",
    "512 tokens once padded, ending a batch before a row that would make more than 10 % of it padding",
    "(`model.predictor.length_batches`; `batch_size` stays the most pairs per batch, and CUDA keeps plain",
    "batches). Why: a batch of 32 pairs of ~100 tokens holds 32 × 100 × 1536 × 4 B ≈ 20 MB of feed-forward",
    "activations and 32 × 12 × 100² × 4 B ≈ 15 MB of attention scores, against 2 MB of L2 cache per core on",
    "this CPU, and a document scored alone (one request to the service) pads 32 rows of very different",
    "lengths to its longest. Scores are unchanged (padding is masked); only the batches differ.",
]


def before_predictor(predictor: Predictor, batch_size: int) -> Predictor:
    """The same scorer with the batching of before: ``batch_size`` consecutive pairs in length order."""
    before = Predictor(predictor.scorer, predictor.tokenizer, predictor.metadata, batch_size=batch_size)
    before.max_batch_tokens = None
    before.max_padding = None
    return before


def per_document(variants: dict[str, Predictor], doc_pairs: Sequence[list[Pair]]) -> dict[str, dict]:
    """Each document scored alone (as one request to the service is), the variants taking turns."""
    names = list(variants)
    seconds = dict.fromkeys(names, 0.0)
    for index, pairs in enumerate(doc_pairs):
        for name in names[index % len(names) :] + names[: index % len(names)]:
            started = time.perf_counter()
            variants[name].score_pairs(pairs)
            seconds[name] += time.perf_counter() - started
    segments = sum(len(pairs) for pairs in doc_pairs)
    return {name: {"seconds": seconds[name], "segments_per_second": segments / seconds[name]} for name in names}


def onnx_operator_shares(predictor: Predictor, pairs: Sequence[Pair], top: int = 8) -> dict[str, float]:
    """Share of ONNX Runtime's operator time per operator type, over one ``score_pairs`` call."""
    import onnxruntime as ort

    scorer = predictor.scorer
    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.enable_profiling = True
    session = ort.InferenceSession(str(scorer.path), options, providers=["CPUExecutionProvider"])
    profiled = copy.copy(predictor)
    profiled.scorer = copy.copy(scorer)
    profiled.scorer.session = session
    profiled.score_pairs(pairs)
    trace = Path(session.end_profiling())
    try:
        events = json.loads(trace.read_text(encoding="utf-8"))
    finally:
        trace.unlink(missing_ok=True)
    by_operator: Counter[str] = Counter()
    for event in events:
        if event.get("cat") == "Node" and event.get("name", "").endswith("_kernel_time"):
            by_operator[event["args"].get("op_name", "?")] += event["dur"]
    total = sum(by_operator.values()) or 1
    shares = {operator: duration / total for operator, duration in by_operator.most_common(top)}
    shares["other operators"] = 1 - sum(shares.values())
    return shares


def report(after: Predictor, before: Predictor, doc_pairs: Sequence[list[Pair]]) -> dict:
    """Before and after on the same documents, taking turns: all their pairs in one call (as the
    throughput run and `parley evaluate` score), and each document alone (as a request to the service is);
    then the profiles."""
    variants = {BEFORE: before, AFTER: after}
    pairs = [pair for document in doc_pairs for pair in document]
    together: dict[str, float] = dict.fromkeys(variants, 0.0)
    for name in variants:
        started = time.perf_counter()
        variants[name].score_pairs(pairs)
        together[name] += time.perf_counter() - started
    alone = per_document(variants, doc_pairs)
    rows = []
    for mode, figures in (
        (
            f"all {len(pairs)} pairs of {len(doc_pairs)} documents in one call",
            {
                name: {"seconds": seconds, "segments_per_second": len(pairs) / seconds}
                for name, seconds in together.items()
            },
        ),
        (f"each of the {len(doc_pairs)} documents alone", alone),
    ):
        for name in variants:
            rows.append(
                {
                    "name": f"{name}; {mode}",
                    "seconds": figures[name]["seconds"],
                    "segments_per_second": figures[name]["segments_per_second"],
                    "vs_before": figures[name]["segments_per_second"] / figures[BEFORE]["segments_per_second"],
                }
            )
    profile_pairs = [pair for document in doc_pairs[:PROFILE_DOCUMENTS] for pair in document]
    short = {"before": before, "after": after}
    phases = {name: phase_seconds(predictor, profile_pairs) for name, predictor in short.items()}
    operators = {name: onnx_operator_shares(predictor, profile_pairs) for name, predictor in short.items()}
    details = []
    for name, shares in operators.items():
        cells = ", ".join(f"{operator} {share:.0%}" for operator, share in shares.items())
        details.append(f"ONNX Runtime operator time, {name} ({len(profile_pairs)} pairs): {cells}")
    shapes = {name: _batch_shapes(predictor, profile_pairs) for name, predictor in short.items()}
    details.append(
        f"Batches for those {len(profile_pairs)} pairs in one call: "
        + "; ".join(
            f"{name} {shape['batches']} batches of {shape['mean_rows']:.1f} pairs on average, "
            f"{shape['padding']:.0%} of their tokens padding"
            for name, shape in shapes.items()
        )
    )
    return {"text": TEXT, "rows": rows, "phases": phases, "operators": operators, "details": details}


def _batch_shapes(predictor: Predictor, pairs: Sequence[Pair]) -> dict:
    from model.inputs import encode_pairs
    from model.predictor import length_batches

    lengths = [len(ids) for ids in encode_pairs(predictor.tokenizer, pairs, predictor.metadata.context)["input_ids"]]
    batches = length_batches(lengths, predictor.batch_size, predictor.max_batch_tokens, predictor.max_padding)
    padded = sum(len(batch) * max(lengths[index] for index in batch) for batch in batches)
    return {
        "batches": len(batches),
        "padding": 1 - sum(lengths) / padded,
        "mean_rows": float(np.mean([len(b) for b in batches])),
    }
