"""CPU latency and accuracy of a model's ONNX export against its torch model, in one process.

    python -m bench.onnx_speed [--model models/default] [--documents 20] [--threads 2] [--repeats 5]

Both predictors run on the CPU with the same threads and batch size. Latency is
per document of data/test.jsonl (its pages in one ``score_pages`` call, as a
`/v1/classify` request is scored), the backends taking turns document by
document so that both see the same machine load; the median over repeats is
reported. Then both score the whole test split: macro-F1 over the acts and
boilerplate F1, with the model's thresholds (as `parley evaluate`), and how
far the export's scores and labels are from torch's. The export is the one
``backend="onnx"`` picks: MODEL/onnx/model.int8.onnx, else model.onnx.
"""

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

from model.predictor import Predictor
from training.data import read_documents
from training.evaluate import apply_thresholds, compute_metrics, gold_matrix, score_documents
from training.pages import document_pages

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "default")
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "test.jsonl")
    parser.add_argument("--documents", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--no-f1", action="store_true", help="Latency only.")
    args = parser.parse_args()

    options = {"device": "cpu", "threads": args.threads, "batch_size": args.batch_size}
    predictors = {
        "torch": Predictor.from_pretrained(args.model, backend="torch", **options),
        "onnx": Predictor.from_pretrained(args.model, backend="onnx", **options),
    }
    print(f"model {args.model}; export {predictors['onnx'].scorer.path.name}; threads {args.threads}")
    documents = read_documents([args.data])
    sample = documents[: args.documents]
    doc_pages = [[page.segments for page in document_pages(document)] for document in sample]
    for predictor in predictors.values():  # warm-up
        predictor.score_pages(doc_pages[0])
    times: dict[str, list[list[float]]] = {name: [[] for _ in sample] for name in predictors}
    for _ in range(args.repeats):
        for index, pages in enumerate(doc_pages):
            for name, predictor in predictors.items():
                started = time.perf_counter()
                predictor.score_pages(pages)
                times[name][index].append(time.perf_counter() - started)
    segments = sum(len(page) for pages in doc_pages for page in pages)
    print(f"\n{len(sample)} documents, {segments} segments, median of {args.repeats} runs per document")
    print("| backend | total s | ms per document (median) | segments/s |")
    print("|---|---:|---:|---:|")
    totals = {}
    for name in predictors:
        per_document = [statistics.median(runs) for runs in times[name]]
        totals[name] = sum(per_document)
        print(
            f"| {name} | {totals[name]:.2f} | {1000 * statistics.median(per_document):.0f} "
            f"| {segments / totals[name]:.0f} |"
        )
    print(f"speed-up onnx/torch: {totals['torch'] / totals['onnx']:.2f}x")
    if args.no_f1:
        return

    gold = gold_matrix(documents)
    scores = {name: score_documents(predictor, documents) for name, predictor in predictors.items()}
    thresholds = predictors["torch"].metadata.thresholds
    predicted = {name: apply_thresholds(matrix, thresholds) for name, matrix in scores.items()}
    print(f"\n{args.data.name}: {len(documents)} documents, {len(gold)} segments")
    print("| backend | macro-F1 acts | micro-F1 acts | boilerplate F1 |")
    print("|---|---:|---:|---:|")
    for name in predictors:
        result = compute_metrics(gold, predicted[name], scores[name])
        print(f"| {name} | {result.macro_f1_acts:.4f} | {result.micro_f1_acts:.4f} | {result.boilerplate_f1:.4f} |")
    difference = np.abs(scores["onnx"] - scores["torch"])
    agree = predicted["onnx"] == predicted["torch"]
    print(
        f"onnx vs torch: max abs score diff {difference.max():.4f}, mean {difference.mean():.5f}; "
        f"labels agree {agree.mean():.2%}, segments with all labels agreeing {agree.all(axis=1).mean():.2%}"
    )


if __name__ == "__main__":
    main()
