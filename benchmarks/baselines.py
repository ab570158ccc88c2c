"""The keyword and TF-IDF baselines on the corpus, through the model's own evaluation.

    python benchmarks/baselines.py [--config configs/default.yaml] [--out benchmarks/results/baselines]

Each baseline is fitted on data/train.jsonl, its thresholds are tuned on
data/dev.jsonl (as the model's are), and it is scored once on data/test.jsonl.
Reports go to OUT/<name>/ (metrics.json, metrics.md, plots) and the table
printed at the end to OUT/summary.md. The TF-IDF baseline reads the same
context as the model, built with the config's context settings.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from model.labels import ACTS
from parley.config import load_settings
from training.baselines import KeywordBaseline, TfidfBaseline
from training.data import Document, read_documents
from training.evaluate import (
    EvaluationResult,
    apply_thresholds,
    compute_metrics,
    gold_matrix,
    tune_thresholds,
    write_report,
)

ROOT = Path(__file__).resolve().parent.parent


def evaluate_baseline(
    name: str,
    baseline: KeywordBaseline | TfidfBaseline,
    splits: dict[str, list[Document]],
    out_dir: Path,
) -> EvaluationResult:
    """Fit on train, tune thresholds on dev, score test, write the report."""
    started = time.perf_counter()
    baseline.fit(splits["train"])
    thresholds = tune_thresholds(gold_matrix(splits["dev"]), baseline.predict_scores(splits["dev"]))
    gold, scores = gold_matrix(splits["test"]), baseline.predict_scores(splits["test"])
    predicted = apply_thresholds(scores, thresholds)
    result = compute_metrics(gold, predicted, scores)
    write_report(result, out_dir / name, f"{name} baseline, test split", gold, scores, predicted, thresholds)
    print(f"{name}: fitted, tuned and scored in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return result


def summary_table(results: dict[str, EvaluationResult]) -> str:
    header = ["baseline", "macro-F1 acts", "boilerplate F1", *(f"{act} F1" for act in ACTS), "micro-F1 acts"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name, result in results.items():
        figures = [result.macro_f1_acts, result.boilerplate_f1, *(result.labels[act].f1 for act in ACTS)]
        cells = [name, *(f"{value:.3f}" for value in [*figures, result.micro_f1_acts])]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", type=Path, default=ROOT / "configs" / "default.yaml")
    parser.add_argument("--data", type=Path, default=ROOT / "data", help="folder with train/dev/test.jsonl")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "baselines")
    args = parser.parse_args()
    context = load_settings(args.config).context
    splits = {split: read_documents([args.data / f"{split}.jsonl"]) for split in ("train", "dev", "test")}
    baselines = {"keyword": KeywordBaseline(), "tfidf": TfidfBaseline(context_settings=context)}
    results = {name: evaluate_baseline(name, baseline, splits, args.out) for name, baseline in baselines.items()}
    table = summary_table(results)
    (args.out / "summary.md").write_text(
        f"# Baselines on the test split ({sum(len(d.segments) for d in splits['test'])} segments)\n\n{table}",
        encoding="utf-8",
    )
    print(table, end="")


if __name__ == "__main__":
    main()
