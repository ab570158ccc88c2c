"""Model folders side by side with the two baselines, on the test split and on realdev: per label precision,
recall, F1 and average precision, and the realdev documents each model gets most wrong.

    python -m bench.compare_models --model v1=build/models/v1 --model v2=models/default \
        [--out bench/results/corpus_v2.md] [--show-errors 5]

Every model is scored with the thresholds it ships with; the baselines are fitted on data/train and tuned on
data/dev (bench/baselines.py). The report names realdev documents by id only: realdev's text stays out
of the repository. ``--show-errors N`` prints the wrong segments of each model's N worst realdev documents to
the terminal, for reading errors by hand.
"""

import argparse
import tempfile
from pathlib import Path

import numpy as np

from bench.baselines import BASELINE_TITLES, evaluate_baseline, make_baselines
from bench.realdev import REALDEV_TITLE, load_realdev, missing_note
from model.labels import LABELS
from model.predictor import Predictor
from training.data import Document, read_documents
from training.evaluate import EvaluationResult, apply_thresholds, compute_metrics, gold_matrix, score_documents

ROOT = Path(__file__).resolve().parent.parent


def label_table(results: dict[str, EvaluationResult]) -> str:
    """One row per scorer: macro-F1 over the acts, boilerplate F1, then P/R/F1/AP per label."""
    header = ["scorer", "macro-F1 acts", "boilerplate F1", *(f"{label} P / R / F1 / AP" for label in LABELS)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name, result in results.items():
        cells = [name, f"{result.macro_f1_acts:.3f}", f"{result.boilerplate_f1:.3f}"]
        for label in LABELS:
            figures = result.labels[label]
            ap = "–" if figures.average_precision is None else f"{figures.average_precision:.3f}"
            cells.append(f"{figures.precision:.3f} / {figures.recall:.3f} / {figures.f1:.3f} / {ap}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def wrong_decisions(
    documents: list[Document], gold: np.ndarray, predicted: np.ndarray
) -> list[tuple[Document, int, int]]:
    """(document, its first row, wrong (segment, label) decisions) per document, worst per segment first."""
    rows, start = [], 0
    for document in documents:
        end = start + len(document.segments)
        rows.append((document, start, int((gold[start:end] != predicted[start:end]).sum())))
        start = end
    return sorted(rows, key=lambda row: (-row[2] / len(row[0].segments), row[0].doc_id))


def print_errors(name: str, ranked: list[tuple[Document, int, int]], gold: np.ndarray, predicted: np.ndarray) -> None:
    for document, start, wrong in ranked:
        print(f"\n== {name}: {document.doc_id} ({wrong} wrong decisions on {len(document.segments)} segments)")
        for index, segment in enumerate(document.segments):
            row = start + index
            if (gold[row] != predicted[row]).any():
                said = [label for label, on in zip(LABELS, predicted[row], strict=True) if on] or ["-"]
                truth = [label for label, on in zip(LABELS, gold[row], strict=True) if on] or ["-"]
                print(f"  #{index} gold {'+'.join(truth)} / model {'+'.join(said)}: {segment.text[:160]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", action="append", required=True, help="NAME=FOLDER (repeat)")
    parser.add_argument("--data", type=Path, default=ROOT / "data", help="folder with train/dev/test.jsonl")
    parser.add_argument("--out", type=Path, help="write the report here (markdown)")
    parser.add_argument("--worst", type=int, default=10, help="realdev documents listed per model in the report")
    parser.add_argument("--show-errors", type=int, default=0, help="print the wrong segments of N worst documents")
    args = parser.parse_args()
    models = dict(item.split("=", 1) for item in args.model)
    splits = {split: read_documents([args.data / f"{split}.jsonl"]) for split in ("train", "dev", "test")}
    realdev = load_realdev()
    sets = {"test": splits["test"], **({} if realdev is None else {"realdev": realdev})}
    results: dict[str, dict[str, EvaluationResult]] = {name: {} for name in sets}
    worst: dict[str, list[tuple[Document, int, int]]] = {}
    with tempfile.TemporaryDirectory(prefix="parley-compare-") as reports:
        for name, baseline in make_baselines().items():
            by_set = evaluate_baseline(name, baseline, splits, Path(reports), {"realdev": realdev} if realdev else {})
            for set_name, result in by_set.items():
                results[set_name][BASELINE_TITLES[name]] = result
    for name, folder in models.items():
        predictor = Predictor.from_pretrained(Path(folder), device="cpu", backend="torch")
        for set_name, documents in sets.items():
            gold, scores = gold_matrix(documents), score_documents(predictor, documents)
            predicted = apply_thresholds(scores, predictor.metadata.thresholds)
            results[set_name][f"model {name}"] = compute_metrics(gold, predicted, scores)
            if set_name == "realdev":
                ranked = wrong_decisions(documents, gold, predicted)
                worst[name] = ranked[: args.worst]
                print_errors(name, ranked[: args.show_errors], gold, predicted)
    titles = {"test": f"data/test.jsonl ({len(splits['test'])} documents)", "realdev": REALDEV_TITLE}
    text = "# Models side by side\n"
    for set_name in ("test", "realdev"):
        text += f"\n## {titles[set_name]}\n\n"
        text += label_table(results[set_name]) + "\n" if set_name in results else missing_note() + "\n"
    for name, rows in worst.items():
        text += f"\n## The {len(rows)} realdev documents model {name} gets most wrong\n\n"
        text += "| document | segments | wrong (segment, label) decisions | per segment |\n|---|---|---|---|\n"
        text += "".join(
            f"| {document.doc_id} | {len(document.segments)} | {wrong} | {wrong / len(document.segments):.2f} |\n"
            for document, _, wrong in rows
        )
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
