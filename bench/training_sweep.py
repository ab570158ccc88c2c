"""Which training settings give the best dev macro-F1 for what they cost on a CPU?

Trains one model per variant of the default settings on the train split and
reads its dev macro-F1 over the four acts after threshold tuning, as `parley
train` stores it. The test split is never read: the choice is made on dev.

A variant's cost is the number of padded tokens its training batches hold over
all its epochs: the windows ``training.train.build_dataset`` makes, ordered by
the same sampler the Trainer uses and padded as its collator pads them (on a
CPU a training step takes time about in proportion to the tokens of its padded
batch). It is given relative to the current settings, so a variant of cost 1.0
or less keeps `make model` within about the time the current settings take.
The chosen variant is the best on dev among those that cost no more than
--max-cost; its full settings are written to runs/training-sweep/chosen.yaml.

    python -m bench.training_sweep [--plan] [--backbone DIR] [--max-cost 1.0]

--plan prints the costs without training. Training runs on CUDA when there is
one. Writes bench/results/training_sweep.md and .json.
"""

import argparse
import json
import platform
import time
from pathlib import Path

import torch
import yaml
from transformers import AutoTokenizer
from transformers.trainer_pt_utils import LengthGroupedSampler

from model.pages import padded_length
from parley.config import DEFAULT_CONFIG_PATH, Settings, load_settings
from training.backbones import training_backbone
from training.data import Document, read_documents
from training.train import WindowCollator, build_dataset, token_batches, train

ROOT = Path(__file__).resolve().parent.parent

RESULTS = ROOT / "bench" / "results"
WORK = ROOT / "runs" / "training-sweep"

# Overrides of parley/default.yaml, as "section.key": value: the sampling of windows, the share of pages read
# one segment per window, the epochs, the learning rate and the windows per step. Not the page settings: padded
# tokens do not price a change of window length, whose attention cost grows with its square.
VARIANTS: dict[str, dict[str, object]] = {
    "current": {},
    "whole-pages": {"training.sampling": "random", "training.alone_share": 0.0},
    "alone-0.75": {"training.alone_share": 0.75},
    "grouped": {"training.sampling": "group_by_length"},
    "4ep": {"training.epochs": 4},
    "6ep": {"training.epochs": 6},
    "lr5e-5": {"training.learning_rate": 5e-5},
    "batch8": {"training.batch_size": 8},
}


def with_overrides(settings: Settings, overrides: dict[str, object]) -> Settings:
    raw = settings.model_dump(mode="json")
    for dotted, value in overrides.items():
        section, key = dotted.split(".")
        raw[section][key] = value
    return Settings.model_validate(raw)


def padded_tokens_per_epoch(settings: Settings, documents: list[Document], tokenizer) -> int:
    """Tokens in one epoch of padded training batches, batched as the Trainer's sampler batches the windows
    and padded as ``WindowCollator`` pads them."""
    options = settings.training
    dataset = build_dataset(tokenizer, documents, settings.page, alone_share=options.alone_share, seed=options.seed)
    lengths = [len(ids) for ids in dataset["input_ids"]]
    multiple, max_length = WindowCollator.PAD_MULTIPLE, settings.page.max_length
    if options.sampling == "by_tokens":
        batches = list(token_batches(dataset, options, settings.page))
    else:
        generator = torch.Generator().manual_seed(options.seed)
        if options.sampling == "group_by_length":
            order = list(LengthGroupedSampler(options.batch_size, lengths=lengths, generator=generator))
        else:
            order = torch.randperm(len(lengths), generator=generator).tolist()
        batches = [order[start : start + options.batch_size] for start in range(0, len(order), options.batch_size)]
    return sum(
        padded_length(max(lengths[index] for index in batch), multiple, max_length) * len(batch) for batch in batches
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plan", action="store_true", help="print the costs, train nothing")
    parser.add_argument("--backbone", help="a local backbone folder instead of the configured one")
    parser.add_argument("--max-cost", type=float, default=1.0, help="highest cost, relative to current, to choose")
    parser.add_argument("--only", nargs="*", help="train only these variants")
    args = parser.parse_args()

    base = load_settings(DEFAULT_CONFIG_PATH)
    if args.backbone:
        base = with_overrides(base, {"training.backbone": args.backbone})
    train_files = [ROOT / path for path in base.training.train_files]
    dev_files = [ROOT / path for path in base.training.dev_files]
    documents = read_documents(train_files)
    tokenizer = AutoTokenizer.from_pretrained(training_backbone(base.training.backbone, base.training.keep_pieces))

    rows = []
    for name, overrides in VARIANTS.items():
        settings = with_overrides(base, overrides)
        tokens = round(padded_tokens_per_epoch(settings, documents, tokenizer) * settings.training.epochs)
        rows.append({"variant": name, "overrides": overrides, "padded_tokens": tokens, "settings": settings})
    for row in rows:
        row["cost"] = round(row["padded_tokens"] / rows[0]["padded_tokens"], 3)
        print(f"{row['variant']:28s} cost {row['cost']:.2f}  ({row['padded_tokens']:,} padded tokens)", flush=True)
    if args.plan:
        return

    device = torch.cuda.get_device_name() if torch.cuda.is_available() else f"cpu ({torch.get_num_threads()} threads)"
    for row in rows:
        if args.only and row["variant"] not in args.only:
            continue
        settings = row["settings"].model_copy(
            update={"training": row["settings"].training.model_copy(update={"checkpoint_dir": WORK / "checkpoints"})}
        )
        started = time.monotonic()
        result = train(
            settings.training,
            settings.page,
            train_files=train_files,
            dev_files=dev_files,
            output_dir=WORK / row["variant"],
        )
        row.update(
            dev_macro_f1_acts=round(result.dev_metrics["macro_f1_acts"], 4),
            dev_boilerplate_f1=round(result.dev_metrics["f1_boilerplate"], 4),
            epochs_run=result.epochs_run,
            seconds=round(time.monotonic() - started, 1),
        )
        print(json.dumps({key: value for key, value in row.items() if key != "settings"}), flush=True)

    trained = [row for row in rows if "dev_macro_f1_acts" in row]
    affordable = [row for row in trained if row["cost"] <= args.max_cost]
    chosen = max(affordable, key=lambda row: row["dev_macro_f1_acts"]) if affordable else None
    if chosen:
        WORK.mkdir(parents=True, exist_ok=True)
        (WORK / "chosen.yaml").write_text(yaml.safe_dump(chosen["settings"].model_dump(mode="json")), encoding="utf-8")
    write_report(trained, chosen, device, args.max_cost)


def write_report(rows: list[dict], chosen: dict | None, device: str, max_cost: float) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    record = {
        "date": time.strftime("%Y-%m-%d"),
        "device": device,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "max_cost": max_cost,
        "chosen": chosen["variant"] if chosen else None,
        "variants": [{key: value for key, value in row.items() if key != "settings"} for row in rows],
    }
    (RESULTS / "training_sweep.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    lines = [
        "# Training settings against their cost",
        "",
        f"`python -m bench.training_sweep`, run on {record['date']} on {device} (torch {torch.__version__}). "
        "Dev macro-F1 over the acts after threshold tuning; the test split is not read. Cost: padded training "
        "tokens over all epochs, relative to the current settings (a CPU's training time follows it).",
        "",
        "| variant | overrides | cost | epochs run | dev macro-F1 acts | dev boilerplate F1 | seconds |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        overrides = ", ".join(f"`{key}={value}`" for key, value in row["overrides"].items()) or "none"
        lines.append(
            f"| {row['variant']} | {overrides} | {row['cost']:.2f} | {row['epochs_run']:g} "
            f"| {row['dev_macro_f1_acts']:.3f} | {row['dev_boilerplate_f1']:.3f} | {row['seconds']:.0f} |"
        )
    lines += [
        "",
        f"Chosen (best dev macro-F1 at cost ≤ {max_cost:g}): {chosen['variant'] if chosen else 'none'}.",
        "",
    ]
    (RESULTS / "training_sweep.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
