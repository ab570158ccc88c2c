"""The predictor's throughput on the benchmark's 200 corpus documents, in one process, for the ablation
(bench/page_vs_pair.py).

    python -m bench.predictor_speed --model models/default --name "page model" \
        --out bench/results/page_vs_pair/predictor_speed.json

The documents are the sample ``make bench`` uses (seed 0, from test, dev and train), each scored as one
page; they go to ``Predictor.score_pages`` in 5 chunks, twice, after one warm-up chunk. The result is merged
into ``--out`` under ``--name``. The pair model's row was measured by the same loop at commit 78c21a2 (the
last with the pair format), where the chunk's pages went to ``score_pairs`` as their (segment, context)
pairs, right after the page model's run on the same machine.
"""

import argparse
import json
import time
from pathlib import Path

from bench.bench_throughput import pages_of, select_documents
from model.predictor import Predictor

ROOT = Path(__file__).resolve().parent.parent
CHUNKS, RUNS = 5, 2
SPLITS = ("test", "dev", "train")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "default")
    parser.add_argument("--name", required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    predictor = Predictor.from_pretrained(args.model, device="cpu", backend="onnx", threads=args.threads)
    pages = pages_of(select_documents([ROOT / "data" / f"{split}.jsonl" for split in SPLITS], 200))
    predictor.score_pages(pages[:2])
    chunks = [pages[start::CHUNKS] for start in range(CHUNKS)]
    seconds = []
    for _ in range(RUNS):
        started = time.perf_counter()
        for chunk in chunks:
            predictor.score_pages(chunk)
        seconds.append(time.perf_counter() - started)
    segments = sum(len(page) for page in pages)
    row = {
        "kind": "page",
        "model": f"{predictor.metadata.name} {predictor.metadata.version}",
        "onnx_file": predictor.scorer.path.name,
        "threads": args.threads,
        "documents": len(pages),
        "segments": segments,
        "seconds": seconds,
        "segments_per_second_best": segments / min(seconds),
    }
    results = json.loads(args.out.read_text(encoding="utf-8")) if args.out.is_file() else {}
    results[args.name] = row
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(row, indent=2))


if __name__ == "__main__":
    main()
