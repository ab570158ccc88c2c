"""Does retraining on a user's own labelled pages help? A held-out-domain test.

1. Train a model on the corpus's train split without one whole domain (its
   dev split without that domain chooses the epoch and the thresholds).
2. Score it on the held-out domain's pages (all of them but the few used to
   adapt) and on the rest of the test split.
3. Continue it with ``init_from`` on a few pages of that domain, mixed with a
   replay sample of the base training pages so that it does not forget.
4. Score again on the same two sets.

    python -m bench.retrain_domain [--config parley/default.yaml] [--domain transfers] [--adapt-docs 5]

Writes bench/results/retrain_domain.md and .json. It trains a full model,
so on a CPU it takes about as long as `make model`; it uses CUDA when there is one.
"""

import argparse
import json
import random
import time
from pathlib import Path

import torch

from bench.realdev import measure
from parley.config import DEFAULT_CONFIG_PATH, load_settings
from training.data import read_documents, write_documents
from training.train import train

ROOT = Path(__file__).resolve().parent.parent

RESULTS = ROOT / "bench" / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG_PATH)
    parser.add_argument("--domain", default="transfers")
    parser.add_argument("--adapt-docs", type=int, default=5, help="pages of the domain used to adapt the model")
    parser.add_argument("--replay-docs", type=int, default=40, help="base training pages mixed in when adapting")
    parser.add_argument("--work", type=Path, default=ROOT / "runs" / "retrain-domain")
    args = parser.parse_args()

    settings = load_settings(args.config)
    device = torch.cuda.get_device_name() if torch.cuda.is_available() else f"cpu ({torch.get_num_threads()} threads)"
    train_docs, dev_docs, test_docs = (read_documents([ROOT / "data" / f"{s}.jsonl"]) for s in ("train", "dev", "test"))
    in_domain = [d for d in train_docs + dev_docs + test_docs if d.domain == args.domain]
    if len(in_domain) <= args.adapt_docs:
        raise SystemExit(f"domain {args.domain!r} has {len(in_domain)} pages: too few to adapt and measure")
    rng = random.Random(13)
    rng.shuffle(in_domain)
    adapt, held_out = in_domain[: args.adapt_docs], in_domain[args.adapt_docs :]
    base_train = [d for d in train_docs if d.domain != args.domain]
    base_dev = [d for d in dev_docs if d.domain != args.domain]
    rest_test = [d for d in test_docs if d.domain != args.domain]

    args.work.mkdir(parents=True, exist_ok=True)
    files = {}
    for name, documents in {
        "base_train": base_train,
        "base_dev": base_dev,
        "adapt": adapt,
        "replay": rng.sample(base_train, args.replay_docs),
    }.items():
        files[name] = args.work / f"{name}.jsonl"
        write_documents(documents, files[name])

    started = time.monotonic()
    base_model = args.work / "base-model"
    train(
        settings.training,
        settings.page,
        train_files=[files["base_train"]],
        dev_files=[files["base_dev"]],
        output_dir=base_model,
    )
    base_seconds = time.monotonic() - started
    before = {"domain": measure(base_model, held_out), "rest": measure(base_model, rest_test)}

    started = time.monotonic()
    adapted_model = args.work / "adapted-model"
    train(
        settings.training,
        settings.page,
        train_files=[files["adapt"], files["replay"]],
        dev_files=[files["base_dev"]],
        output_dir=adapted_model,
        init_from=base_model,
    )
    adapt_seconds = time.monotonic() - started
    after = {"domain": measure(adapted_model, held_out), "rest": measure(adapted_model, rest_test)}

    record = {
        "domain": args.domain,
        "device": device,
        "settings": settings.training.model_dump(mode="json") | {"page": settings.page.model_dump()},
        "adapt_docs": len(adapt),
        "replay_docs": args.replay_docs,
        "held_out_docs": len(held_out),
        "rest_test_docs": len(rest_test),
        "base_train_docs": len(base_train),
        "base_training_seconds": round(base_seconds),
        "adaptation_seconds": round(adapt_seconds),
        "before": before,
        "after": after,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "retrain_domain.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    lines = [
        f"# Retraining on a held-out domain: {args.domain}",
        "",
        f"Command: `python -m bench.retrain_domain --config {args.config} --domain {args.domain} "
        f"--adapt-docs {args.adapt_docs}`, run on {time.strftime('%Y-%m-%d')} on {device}.",
        "",
        f"Base model: trained on {len(base_train)} training pages without any `{args.domain}` page "
        f"({base_seconds / 60:.1f} min). Adapted model: `init_from` the base model, trained on "
        f"{len(adapt)} `{args.domain}` pages mixed with {args.replay_docs} base training pages "
        f"({adapt_seconds / 60:.1f} min). Measured on the other {len(held_out)} `{args.domain}` pages and on "
        f"the {len(rest_test)} test pages of the other domains.",
        "",
        "| model | domain macro-F1 acts | domain boilerplate F1 | rest macro-F1 acts | rest boilerplate F1 |",
        "|---|---|---|---|---|",
    ]
    for name, figures in (("base", before), ("adapted", after)):
        lines.append(
            f"| {name} | {figures['domain']['macro_f1_acts']:.3f} | {figures['domain']['boilerplate_f1']:.3f} "
            f"| {figures['rest']['macro_f1_acts']:.3f} | {figures['rest']['boilerplate_f1']:.3f} |"
        )
    change = after["rest"]["macro_f1_acts"] - before["rest"]["macro_f1_acts"]
    gain = after["domain"]["macro_f1_acts"] - before["domain"]["macro_f1_acts"]
    lines += ["", f"Domain macro-F1 change: {gain:+.3f}; rest macro-F1 change: {change:+.3f}.", ""]
    (RESULTS / "retrain_domain.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
