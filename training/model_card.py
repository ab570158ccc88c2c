"""The model card (README.md) of a Parley model folder.

Written from what the folder itself holds: its metadata in ``config.json``
(backbone, thresholds, context settings), ``training.json`` (what it was
trained on, written by `parley train`) and, once the model has been
evaluated, ``metrics.json``. `parley train` and `parley evaluate` both rewrite
it, so the card and the figures stay in step.
"""

import json
from pathlib import Path

from model.folder import CONFIG_FILE, METRICS_FILE, MODEL_CARD, REALDEV_REPORT, TRAINING_RECORD, read_record
from model.labels import LABELS
from model.metadata import CONFIG_KEY, ModelMetadata

LANGUAGE_NAMES = {"fr": "French", "en": "English", "de": "German", "es": "Spanish", "it": "Italian"}

LIMITS = """\
- Segments are read in windows of their page; a teaser far from any other
  chrome can pass for article text, and a segment's acts can lean on the
  page around it.
- The act labels follow the hard-case decisions of Parley's docs/labels.md;
  borderline readings (a counter-offer as proposal or acceptance) stay
  uncertain.
- Not for decisions about people: it labels sentences, it does not verify
  what they say."""


def write_model_card(model_dir: Path) -> Path:
    """Write ``model_dir/README.md`` from the folder's config, training record and metrics."""
    config = json.loads((model_dir / CONFIG_FILE).read_text(encoding="utf-8"))
    metadata = ModelMetadata.model_validate(config[CONFIG_KEY])
    page = metadata.page
    training = read_record(model_dir / TRAINING_RECORD)
    metrics = read_record(model_dir / METRICS_FILE)
    realdev = read_record(model_dir / REALDEV_REPORT / METRICS_FILE)
    lines = [
        "---",
        "license: mit",
        *_language_line(training),
        "pipeline_tag: token-classification",
        "---",
        f"# {metadata.name} {metadata.version}",
        "",
        "Labels every segment of a scraped news page with five independent sigmoid outputs: "
        "`boilerplate` (not part of the article) and the acts `proposal`, `acceptance`, `refusal`, "
        "`condition` (see Parley's docs/labels.md). A segment judged boilerplate gets no act labels.",
        "",
        "## Model",
        "",
        f"- Backbone: `{metadata.backbone}`. A plain `AutoModelForTokenClassification` with one output per "
        "label: any Hugging Face tool loads it. The weights are stored in fp16 to halve the folder; Parley loads "
        "them as fp32 on CPU (pass `dtype=torch.float32` elsewhere).",
        f"- Input: the page, in windows of at most {page.max_length} tokens. Each segment is introduced by the "
        f"marker `{page.marker}` and cut to {page.max_segment_tokens} tokens; its logits are "
        f"{'the mean of its tokens (marker included)' if page.pooling == 'span' else 'those of its marker'}, "
        "and its scores their sigmoids. On a "
        f"longer page windows overlap so that each segment is read with {page.context_tokens} tokens of context "
        "on each side. These settings are stored in `config.json` under `parley` (Parley's `model/pages.py` "
        "builds the windows).",
        "- Licence: MIT, as the multilingual-e5-small backbone.",
        "",
        "## Labels and thresholds (tuned on the dev split)",
        "",
        "For each label, the threshold closest to 0.5 among those whose dev F1 is within one standard error of "
        "the best dev F1.",
        "",
        "| label | threshold |",
        "|---|---|",
        *(f"| {label} | {metadata.thresholds[label]:.2f} |" for label in LABELS),
        "",
        "## Data",
        "",
        _data_summary(training),
        "",
        "## Test metrics",
        "",
        _metrics_table(metrics) if metrics else "Not evaluated yet: run `parley evaluate` on this folder.",
        "",
        "## Metrics on real-like pages",
        "",
        _metrics_table(realdev)
        if realdev
        else "Not measured: `make model` scores the model on ../shared/realdev when that folder is present.",
        "",
    ]
    if training:
        lines += ["## Training", "", _training_summary(training), ""]
    lines += ["## Limits", "", _data_limit(training), LIMITS, ""]
    card = model_dir / MODEL_CARD
    card.write_text("\n".join(lines), encoding="utf-8")
    return card


def _language_line(training: dict | None) -> list[str]:
    """The card's front-matter languages: those the model was trained on, when the record says."""
    languages = (training or {}).get("train_languages")
    return [f"language: [{', '.join(languages)}]"] if languages else []


def _data_limit(training: dict | None) -> str:
    """The first limit: what the training data was, from the training record."""
    languages = (training or {}).get("train_languages")
    if not languages:
        return (
            "- No training record says what this model was trained on: real pages will differ from its "
            "training data, and its figures on them will be lower than on its test data."
        )
    total = sum(languages.values())
    shares = ", ".join(f"{count / total:.0%} {LANGUAGE_NAMES.get(code, code)}" for code, count in languages.items())
    domains = training.get("train_domains")
    return (
        f"- Trained on {training['train_documents']} pages ({shares}"
        + (f"; {domains} domains" if domains else "")
        + "): real pages have layouts and chrome it has not seen, and its figures on them will be lower than "
        "on its test data."
    )


def _data_summary(training: dict | None) -> str:
    if training is None:
        return "No training record (`training.json`) in this folder."
    return (
        f"Trained on {training['train_documents']} documents ({training['train_segments']} segments) from "
        f"{', '.join(training['train_files'])}; dev: {training['dev_documents']} documents "
        f"({training['dev_segments']} segments) from {', '.join(training['dev_files'])}. Documents are split "
        "as wholes. The dev data chose the best epoch and the thresholds; test data was only scored."
    )


def _training_summary(training: dict) -> str:
    start = f"continued from `{training['init_from']}`" if training.get("init_from") else "from the backbone"
    dev = ", ".join(f"{name} {value:.3f}" for name, value in training["dev_metrics"].items())
    precision = training.get("mixed_precision", "fp32")
    return (
        f"Fine-tuned {start} with `parley train` for {training['epochs_run']:g} epochs "
        f"({training['seconds'] / 60:.1f} minutes on {training['device']}, {training['threads']} CPU threads, "
        f"{precision}){_alone_pages(training['settings'])}. "
        f"Dev figures with the tuned thresholds: {dev}."
    )


def _alone_pages(settings: dict) -> str:
    """How the training pages were read, when some were read one segment per window."""
    share = settings.get("alone_share", 0.0)
    return f"; {share:.0%} of the training pages were read one segment per window, the rest whole" if share else ""


def _metrics_table(metrics: dict) -> str:
    rows = ["| label | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    for label in LABELS:
        figures = metrics["labels"][label]
        rows.append(
            f"| {label} | {figures['precision']:.3f} | {figures['recall']:.3f} "
            f"| {figures['f1']:.3f} | {figures['support']} |"
        )
    rows += [
        "",
        f"On {metrics['segments']} segments of {metrics['title']}: macro-F1 over the four acts "
        f"**{metrics['macro_f1_acts']:.3f}**, boilerplate F1 **{metrics['boilerplate_f1']:.3f}**.",
    ]
    return "\n".join(rows)
