"""Where the predictor's time goes: a cProfile split of ``score_pages`` into its phases, and a target for
py-spy.

    python -m bench.bench_profile [--model models/default] [--docs 40] [--repeats 3] [--backend onnx]
    py-spy record --native --format raw -o profile.txt -- .venv/bin/python -m bench.bench_profile

The phases are read from cProfile's cumulative times of the functions that do
them: tokenization (``page_windows``, which ``Predictor.encode_page`` calls:
tokenizing the segments and packing them into windows), padding
(``pad_windows``), the forward pass (the scorer's ``logits``: ONNX Runtime's
``run`` or the torch model), and the rest of ``score_pages`` (batching, pooling
token logits into segments, the sigmoid, copies). cProfile adds a little to the
Python-side phases; the native calls are one Python call each and are timed as
they are.
"""

import argparse
import cProfile
import os
import pstats
import time
from collections.abc import Sequence
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from model.predictor import Predictor

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent

# The phase a function stands for, by (file name, function name): its cumulative time is the phase's.
PHASES = {
    ("pages.py", "page_windows"): "tokenize",
    ("pages.py", "pad_windows"): "pad",
    ("scorers.py", "logits"): "forward",
}


def phase_of(file: str, name: str) -> str | None:
    """The phase that a function of cProfile's stats stands for, or None."""
    return PHASES.get((Path(file).name, name))


def phase_seconds(predictor: Predictor, pages: Sequence[Sequence[str]], repeats: int = 1) -> dict[str, float]:
    """Seconds per phase of ``predictor.score_pages(pages)`` (summed over ``repeats`` calls), by cProfile."""
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(repeats):
        predictor.score_pages(pages)
    profiler.disable()
    total = time.perf_counter() - started
    seconds = dict.fromkeys(("tokenize", "pad", "forward"), 0.0)
    # stats: {(file, line, name): (calls, primitive calls, own time, cumulative time, callers)}
    for (file, _, name), (_, _, _, cumulative, _) in pstats.Stats(profiler).stats.items():
        phase = phase_of(file, name)
        if phase is not None:
            seconds[phase] += cumulative
    seconds["other"] = max(0.0, total - sum(seconds.values()))
    return seconds


def main() -> None:
    from bench.bench_throughput import pages_of, select_documents

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "default")
    parser.add_argument("--backend", default="onnx", choices=["onnx", "torch"])
    parser.add_argument("--docs", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--no-cprofile", action="store_true", help="just run (a target for py-spy)")
    args = parser.parse_args()
    predictor = Predictor.from_pretrained(
        args.model, device="cpu", backend=args.backend, threads=args.threads, batch_size=args.batch_size
    )
    documents = select_documents([ROOT / "data" / f"{split}.jsonl" for split in ("test", "dev", "train")], args.docs)
    pages = pages_of(documents)
    segments = sum(len(page) for page in pages)
    predictor.score_pages(pages[:1])
    if args.no_cprofile:
        started = time.perf_counter()
        for _ in range(args.repeats):
            predictor.score_pages(pages)
        seconds = time.perf_counter() - started
        print(f"{segments * args.repeats / seconds:.1f} segments/s over {segments} segments x {args.repeats}")
        return
    seconds = phase_seconds(predictor, pages, args.repeats)
    total = sum(seconds.values())
    print(
        f"{segments} segments in {len(pages)} pages x {args.repeats}: "
        f"{segments * args.repeats / total:.1f} segments/s under cProfile"
    )
    for phase, value in seconds.items():
        print(f"  {phase:10s} {value:7.2f} s  {value / total:6.1%}")


if __name__ == "__main__":
    main()
