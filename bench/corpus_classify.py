"""Documents per second of `parley classify --input --output` (parley/corpus/) on this machine.

    python -m bench.corpus_classify [--model models/default] [--backend auto] [--documents 63] [--repeats 2]

The input is the first ``--documents`` pages of data/test.jsonl as page text
(their segments joined by line breaks). Compared, all on every core of the machine:

- ``per-document``: one process, each document scored alone (``predict_document``,
  as `parley classify --json` does), every core as intra-op threads;
- ``local, 1 process``: the corpus engine, the windows of 8 documents sharing forward
  passes (one ``score_pages`` call), every core as intra-op threads;
- ``local, N processes``: the same in one spawned process per core, one thread each
  (model loading included: it is part of a run).

Runs take turns, ``--repeats`` times; the best of each is reported.
"""

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from parley.corpus import PredictorSpec, available_cores, classify_corpus

ROOT = Path(__file__).resolve().parent.parent


def write_input(path: Path, limit: int) -> int:
    lines = (ROOT / "data" / "test.jsonl").read_text(encoding="utf-8").splitlines()[:limit]
    with path.open("w", encoding="utf-8") as out:
        for line in lines:
            document = json.loads(line)
            text = "\n".join(segment["text"] for segment in document["segments"])
            out.write(json.dumps({"id": document["doc_id"], "text": text}, ensure_ascii=False) + "\n")
    return len(lines)


def per_document(spec: PredictorSpec, source: Path) -> None:
    predictor = spec.load()
    for line in source.read_text(encoding="utf-8").splitlines():
        predictor.predict_document(json.loads(line)["text"], "fr")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="models/default")
    parser.add_argument("--backend", default="auto", choices=["auto", "torch", "onnx"])
    parser.add_argument("--documents", type=int, default=63)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    cores = available_cores()
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "docs.jsonl"
        documents = write_input(source, args.documents)
        spec = PredictorSpec(args.model, device="cpu", backend=args.backend)
        runs = {
            "per-document, 1 process": lambda: per_document(spec.with_threads(cores), source),
            "local, 1 process": lambda: classify_corpus(
                source, Path(folder) / "one.jsonl", spec, language="fr", workers=1, progress=False
            ),
            f"local, {cores} processes": lambda: classify_corpus(
                source, Path(folder) / "many.jsonl", spec, language="fr", workers=cores, progress=False
            ),
        }
        best: dict[str, float] = {}
        for _ in range(args.repeats):
            for name, run in runs.items():
                for leftover in Path(folder).glob("*.jsonl"):
                    if leftover != source:
                        leftover.unlink()
                started = time.perf_counter()
                run()
                seconds = time.perf_counter() - started
                best[name] = min(best.get(name, float("inf")), seconds)
                print(f"  {name}: {seconds:.1f} s", file=sys.stderr, flush=True)
    print(f"{documents} documents, {cores} cores, model {args.model}, backend {args.backend}")
    print("| run | seconds | documents/s |\n|---|---:|---:|")
    for name, seconds in best.items():
        print(f"| {name} | {seconds:.1f} | {documents / seconds:.1f} |")


if __name__ == "__main__":
    main()
