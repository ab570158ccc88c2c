"""The ablation of issue 18: the pair model against the page model, same data (corpus v2), side by side.

    R=bench/results/page_vs_pair
    python -m bench.page_vs_pair \
        --pair $R/pair-2.0.0 \
        "pair model 2.0.0, thresholds by the 3.2.0 rule=$R/pair-2.0.0-same-threshold-rule" \
        --page $R/page-3.0.0 $R/page-3.1.0 "page model, 4 epochs, thresholds by the 3.2.0 rule=$R/page-4-epochs" \
        "page model 3.2.0 (3.1.0's weights, thresholds by the 3.2.0 rule)=models/default" \
        --speed $R/predictor_speed.json --out bench/results/page_vs_pair.md

Each side is a model record, given as PATH or NAME=PATH (the name defaults to the version it was trained as):
``metrics.json`` (``parley evaluate`` on data/test.jsonl), the realdev report (``realdev/metrics.json`` in a
model folder, ``realdev-metrics.json`` in a saved record) and ``training.json`` (``parley train``). The pair
model (Parley 2.0.0) can no longer be loaded by this code, so its record was saved from its model folder before
the page model replaced it, and its record with thresholds tuned again by the rule of 3.2.0 was made from its
scores under the pair-era code (``pair-2.0.0-same-threshold-rule/README.md``); so were the records of page
models 3.0.0 (every page read whole in training) and 3.1.0 (half the pages read one segment per window; the
thresholds of the best dev F1) before the next one replaced them. ``--speed`` holds the predictors'
throughput, measured on this machine by ``bench/predictor_speed.py`` (its docstring says how the pair side
was run).
"""

import argparse
import json
from pathlib import Path

from model.folder import METRICS_FILE, REALDEV_REPORT, TRAINING_RECORD
from model.labels import LABELS

SETS = {"test": "data/test.jsonl", "realdev": "../shared/realdev/docs.jsonl"}


def read_records(folder: Path) -> dict:
    """metrics by set, and the training record, of a model folder or a saved record."""
    realdev = folder / REALDEV_REPORT / METRICS_FILE
    if not realdev.is_file():
        realdev = folder / f"{REALDEV_REPORT}-{METRICS_FILE}"
    return {
        "test": json.loads((folder / METRICS_FILE).read_text(encoding="utf-8")),
        "realdev": json.loads(realdev.read_text(encoding="utf-8")),
        "training": json.loads((folder / TRAINING_RECORD).read_text(encoding="utf-8")),
    }


def accuracy_table(records: dict[str, dict], set_name: str) -> str:
    header = ["model", "macro-F1 acts", "boilerplate F1", *(f"{label} P / R / F1 / AP" for label in LABELS)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name, record in records.items():
        metrics = record[set_name]
        cells = [name, f"{metrics['macro_f1_acts']:.3f}", f"{metrics['boilerplate_f1']:.3f}"]
        for label in LABELS:
            figures = metrics["labels"][label]
            cells.append(
                f"{figures['precision']:.3f} / {figures['recall']:.3f} / {figures['f1']:.3f} / "
                f"{figures['average_precision']:.3f}"
            )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def training_table(records: dict[str, dict]) -> str:
    lines = [
        "| model | epochs | pages read one segment per window | training segments | threads | precision | "
        "training time |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, record in records.items():
        training = record["training"]
        lines.append(
            f"| {name} | {training['epochs_run']:g} | {_alone(name, training['settings'])} | "
            f"{training['train_segments']:,} | {training['threads']} | "
            f"{training['mixed_precision']} | {training['seconds'] / 60:.1f} min |"
        )
    return "\n".join(lines) + "\n"


def _alone(name: str, settings: dict) -> str:
    """The share of training pages read one segment per window (pages before 3.1.0: none; pairs: no pages)."""
    return "—" if name.startswith("pair") else f"{settings.get('alone_share', 0.0):.0%}"


def speed_table(speed: dict) -> str:
    lines = ["| predictor | segments | seconds (each run) | segments/s (best run) |", "|---|---|---|---|"]
    for name, row in speed.items():
        seconds = ", ".join(f"{value:.2f}" for value in row["seconds"])
        lines.append(f"| {name} | {row['segments']:,} | {seconds} | {row['segments_per_second_best']:.1f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--pair", nargs="+", required=True, help="the pair model's records (or model folders), as PATH or NAME=PATH"
    )
    parser.add_argument(
        "--page", nargs="+", required=True, help="page models' folders or records, as PATH or NAME=PATH"
    )
    parser.add_argument("--speed", type=Path, help="predictor throughput of both, from predictor_speed.py")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    records = {}
    for side, given in [*(("pair", pair) for pair in args.pair), *(("page", page) for page in args.page)]:
        name, _, folder = given.rpartition("=")
        record = read_records(Path(folder))
        records[name or f"{side} model {record['training']['settings']['model_version']}"] = record
    text = "# Pair model against page model (corpus v2)\n"
    for set_name, title in SETS.items():
        segments = next(iter(records.values()))[set_name]["segments"]
        text += f"\n## {title} ({segments} segments)\n\n" + accuracy_table(records, set_name)
    text += "\n## Training (`make model`'s `parley train`, 2 cores)\n\n" + training_table(records)
    if args.speed:
        speed = json.loads(args.speed.read_text(encoding="utf-8"))
        pair = next(row for row in speed.values() if row["kind"] == "pair")
        page_name, page = [(name, row) for name, row in speed.items() if row["kind"] == "page"][-1]
        ratio = page["segments_per_second_best"] / pair["segments_per_second_best"]
        text += (
            f"\n## Predictor throughput (ONNX int8, 2 threads)\n\n{speed_table(speed)}\n"
            f"{page_name} / pair: {ratio:.2f}×\n"
        )
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
