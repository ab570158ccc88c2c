"""The keyword and TF-IDF baselines, through the model's own evaluation, on the test split and on realdev.

    python -m bench.baselines [--out bench/results/baselines]

Each baseline is fitted on data/train.jsonl, its thresholds are tuned on
data/dev.jsonl (as the model's are), and it is scored once on data/test.jsonl
and, when the shared folder is beside the clone, on ../shared/realdev (pages
rewritten from real ones). Reports go to OUT/<name>/ (test) and
OUT/<name>-realdev/ (metrics.json, metrics.md, plots) and the tables printed at
the end to OUT/summary.md. The TF-IDF baseline reads each segment with the text
of its neighbours (``bench.baseline_models.neighbour_context``).
"""

import argparse
import sys
import time
from pathlib import Path

from bench.baseline_models import KeywordBaseline, TfidfBaseline
from bench.realdev import REALDEV_TITLE, load_realdev, missing_note
from model.labels import ACTS
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
# Each baseline's report name and the name tables give it.
BASELINE_TITLES = {"keyword": "keyword rules", "tfidf": "TF-IDF + logistic regression"}


def make_baselines() -> dict[str, KeywordBaseline | TfidfBaseline]:
    """The two baselines, unfitted, by report name."""
    return {"keyword": KeywordBaseline(), "tfidf": TfidfBaseline()}


def evaluate_baseline(
    name: str,
    baseline: KeywordBaseline | TfidfBaseline,
    splits: dict[str, list[Document]],
    out_dir: Path,
    extra: dict[str, list[Document]] | None = None,
) -> dict[str, EvaluationResult]:
    """Fit on train, tune thresholds on dev, then score test and each ``extra`` set (name -> documents) with
    those thresholds; a report per set in OUT/<name>[-<set>]. Results by set name, "test" first."""
    started = time.perf_counter()
    baseline.fit(splits["train"])
    thresholds = tune_thresholds(gold_matrix(splits["dev"]), baseline.predict_scores(splits["dev"]))
    results = {}
    for set_name, documents in {"test": splits["test"], **(extra or {})}.items():
        gold, scores = gold_matrix(documents), baseline.predict_scores(documents)
        predicted = apply_thresholds(scores, thresholds)
        results[set_name] = compute_metrics(gold, predicted, scores)
        folder = out_dir / (name if set_name == "test" else f"{name}-{set_name}")
        write_report(results[set_name], folder, f"{name} baseline, {set_name}", gold, scores, predicted, thresholds)
    print(f"{name}: fitted, tuned and scored in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return results


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
    parser.add_argument("--data", type=Path, default=ROOT / "data", help="folder with train/dev/test.jsonl")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "baselines")
    args = parser.parse_args()
    splits = {split: read_documents([args.data / f"{split}.jsonl"]) for split in ("train", "dev", "test")}
    realdev = load_realdev()
    extra = {} if realdev is None else {"realdev": realdev}
    results = {
        name: evaluate_baseline(name, baseline, splits, args.out, extra) for name, baseline in make_baselines().items()
    }
    sections = [("test split", "test", splits["test"]), (REALDEV_TITLE, "realdev", realdev)]
    text = "# Baselines\n"
    for title, set_name, documents in sections:
        if documents is None:
            text += f"\n## {title}\n\n{missing_note()}\n"
            continue
        table = summary_table({name: by_set[set_name] for name, by_set in results.items()})
        text += f"\n## {title} ({sum(len(d.segments) for d in documents)} segments)\n\n{table}"
    (args.out / "summary.md").write_text(text, encoding="utf-8")
    print(text, end="")


if __name__ == "__main__":
    main()
