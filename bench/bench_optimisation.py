"""Before / after the CPU batching of ``Predictor.score_windows``, measured side by side in the same run.

The *before* predictor shares the *after* predictor's ONNX Runtime session and
differs only by its batching: plain batches of ``batch_size`` windows in length
order, with no cap on tokens or padding. The *after* predictor is the predictor
as it runs on the CPU. See TEXT for what the section shows.
"""

import copy
import json
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from bench.bench_efficiency import EncoderShape
from bench.bench_profile import phase_seconds
from bench.bench_throughput import Page, predictor_work
from model.predictor import CPU_MAX_BATCH_TOKENS, CPU_MAX_PADDING, Predictor

PROFILE_DOCUMENTS = 6
AFTER = f"after: batches of ≤ {CPU_MAX_BATCH_TOKENS} tokens, ≤ {CPU_MAX_PADDING * 100:g} % padding"
TEXT = [
    "Two predictors share one ONNX Runtime session and differ only in how `Predictor.score_windows` batches the",
    "windows of the pages it scores. *Before*: plain batches of `batch_size` windows in length order. *After*:",
    f"the predictor as it runs on the CPU: length-sorted windows in batches of at most {CPU_MAX_BATCH_TOKENS} tokens",
    f"once padded, a batch ending before a window that would make more than {CPU_MAX_PADDING * 100:g} % of it padding",
    "(`model.predictor.length_batches`; `batch_size` stays the most windows per batch, and CUDA keeps plain",
    "batches). The cap is there so that a forward pass's activations stay small enough for the CPU's caches and",
    "little padding is computed; the table measures what it gives here. Scores do not depend on the batching",
    "(padding is masked; tests/test_bench.py checks it).",
    "",
    "The lines under the table give the profile of this run: cProfile's split of `Predictor.score_pages` into",
    "tokenization (`page_windows`), padding (`pad_windows`), the forward pass (the scorer's `logits`: ONNX",
    "Runtime's `run`) and the rest, ONNX Runtime's own per-operator profile (`enable_profiling`), and the",
    f"batches each predictor forms, all on the pages of the first {PROFILE_DOCUMENTS} documents.",
]


def before_predictor(predictor: Predictor, batch_size: int) -> Predictor:
    """The same scorer with the batching of before: ``batch_size`` consecutive windows in length order."""
    before = Predictor(predictor.scorer, predictor.tokenizer, predictor.metadata, batch_size=batch_size)
    before.max_batch_tokens = None
    before.max_padding = None
    return before


def per_document(variants: dict[str, Predictor], pages: Sequence[Page]) -> dict[str, dict]:
    """Each page scored alone (as one request to the service is), the variants taking turns."""
    names = list(variants)
    seconds = dict.fromkeys(names, 0.0)
    for index, page in enumerate(pages):
        for name in names[index % len(names) :] + names[: index % len(names)]:
            started = time.perf_counter()
            variants[name].score_pages([page])
            seconds[name] += time.perf_counter() - started
    segments = sum(len(page) for page in pages)
    return {name: {"seconds": seconds[name], "segments_per_second": segments / seconds[name]} for name in names}


def onnx_operator_shares(predictor: Predictor, pages: Sequence[Page], top: int = 8) -> dict[str, float]:
    """Share of ONNX Runtime's operator time per operator type, over one ``score_pages`` call."""
    import onnxruntime as ort

    scorer = predictor.scorer
    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.enable_profiling = True
    session = ort.InferenceSession(str(scorer.path), options, providers=["CPUExecutionProvider"])
    profiled = copy.copy(predictor)
    profiled.scorer = copy.copy(scorer)
    profiled.scorer.session = session
    profiled.score_pages(pages)
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


def report(after: Predictor, before: Predictor, pages: Sequence[Page], shape: EncoderShape) -> dict:
    """Before and after on the same pages (one per document), taking turns: all of them in one call (as the
    throughput run and `parley evaluate` score), and each alone (as a request to the service is); then the
    profiles and the batches each forms. ``shape`` is the model's, for the batches' FLOPs."""
    before_name = f"before: plain batches of {before.batch_size} windows"
    variants = {before_name: before, AFTER: after}
    segments = sum(len(page) for page in pages)
    together: dict[str, float] = {}
    for name, predictor in variants.items():
        started = time.perf_counter()
        predictor.score_pages(pages)
        together[name] = time.perf_counter() - started
    alone = per_document(variants, pages)
    rows = []
    for mode, figures in (
        (
            f"all {segments} segments of {len(pages)} documents in one call",
            {
                name: {"seconds": seconds, "segments_per_second": segments / seconds}
                for name, seconds in together.items()
            },
        ),
        (f"each of the {len(pages)} documents alone", alone),
    ):
        for name in variants:
            rows.append(
                {
                    "name": f"{name}; {mode}",
                    "seconds": figures[name]["seconds"],
                    "segments_per_second": figures[name]["segments_per_second"],
                    "vs_before": figures[name]["segments_per_second"] / figures[before_name]["segments_per_second"],
                }
            )
    profile_pages = list(pages[:PROFILE_DOCUMENTS])
    short = {"before": before, "after": after}
    phases = {name: phase_seconds(predictor, profile_pages) for name, predictor in short.items()}
    operators = {name: onnx_operator_shares(predictor, profile_pages) for name, predictor in short.items()}
    profiled = f"{sum(len(page) for page in profile_pages)} segments of {len(profile_pages)} documents"
    details = []
    for name, shares in operators.items():
        cells = ", ".join(f"{operator} {share:.0%}" for operator, share in shares.items())
        details.append(f"ONNX Runtime operator time, {name} ({profiled}): {cells}")
    works = {name: predictor_work(predictor, shape, profile_pages, rounds=1) for name, predictor in short.items()}
    details.append(
        f"Batches for those {profiled} in one call: "
        + "; ".join(
            f"{name} {work.batches} batches of {work.windows / work.batches:.1f} windows on average, "
            f"{work.padding_fraction:.0%} of their tokens padding"
            for name, work in works.items()
        )
    )
    return {"text": TEXT, "rows": rows, "phases": phases, "operators": operators, "details": details}
