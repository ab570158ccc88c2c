"""`parley feedback export|stats` (the corrections that `POST /v1/feedback` stored) and `parley suggest`."""

import json
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from parley.cli_common import ConfigOption, fail, settings_or_exit
from parley.config import DEFAULT_CONFIG_PATH, Settings

feedback_app = typer.Typer(
    help="The corrections users sent (POST /v1/feedback): export them as training data, count them."
)

OutOption = Annotated[Path, typer.Option("--out", "--output", help="File to write (JSONL).")]


def _store(settings: Settings):
    from feedback.store import FeedbackStore, FeedbackStoreError

    try:
        return FeedbackStore(settings.feedback.database_url)
    except FeedbackStoreError as error:
        raise fail(str(error), 2) from error


@feedback_app.command()
def export(out: OutOption, config: ConfigOption = DEFAULT_CONFIG_PATH) -> None:
    """Write the corrections as training data: one document per source page, the latest correction of a
    sentence winning. Train on them with `parley train --init-from MODEL --data FILE --with-corpus`."""
    from feedback.export import correction_documents
    from feedback.store import FeedbackStoreError
    from training.data import write_documents

    store = _store(settings_or_exit(config))
    try:
        corrections = list(store.corrections())
    except FeedbackStoreError as error:
        raise fail(str(error)) from error
    if not corrections:
        raise fail(f"{store.description} holds no correction: nothing to export")
    documents = correction_documents(corrections)
    partial = out.with_name(out.name + ".partial")
    out.parent.mkdir(parents=True, exist_ok=True)
    write_documents(documents, partial)
    os.replace(partial, out)  # a reader never sees half a file
    segments = sum(len(document.segments) for document in documents)
    typer.echo(
        f"{len(corrections)} corrections: {segments} labelled segments in {len(documents)} documents written to {out}"
    )


@feedback_app.command()
def stats(
    json_output: Annotated[bool, typer.Option("--json", help="One JSON object instead of tables.")] = False,
    config: ConfigOption = DEFAULT_CONFIG_PATH,
) -> None:
    """Count the corrections by label, by model and by day (UTC)."""
    from feedback.stats import feedback_stats
    from feedback.store import FeedbackStoreError

    store = _store(settings_or_exit(config))
    try:
        counts = feedback_stats(store.corrections()).as_dict()
    except FeedbackStoreError as error:
        raise fail(str(error)) from error
    if json_output:
        typer.echo(json.dumps(counts, ensure_ascii=False))
        return
    console = Console()
    console.print(f"{counts['corrections']} corrections of {counts['sentences']} sentences in {store.description}")
    for key, title in (("by_label", "label"), ("by_model", "model"), ("by_day", "day (UTC)")):
        table = Table(title=f"by {title}", title_justify="left")
        table.add_column(title)
        table.add_column("corrections", justify="right")
        for name, count in counts[key].items():
            table.add_row(name, str(count))
        console.print(table)


def suggest_command(
    input_file: Annotated[
        Path, typer.Option("--input", help="JSONL pages, one a line: {id, text} or {id, segments} (as `classify`).")
    ],
    out: OutOption,
    n: Annotated[int, typer.Option("--n", min=1, help="Segments to pick.")] = 200,
    model: Annotated[Path | None, typer.Option(help="Model folder. Default: model.path of the config.")] = None,
    language: Annotated[str | None, typer.Option(help="Language of pages that do not say. Default: config.")] = None,
    config: ConfigOption = DEFAULT_CONFIG_PATH,
) -> None:
    """Pick the segments the model is least sure of (scores nearest its thresholds), spread across documents
    and labels, for a person to label: open the file in the web page's labelling queue."""
    from feedback.suggest import candidates, pick
    from model.predictor import ModelLoadError, Predictor
    from parley.corpus import CorpusError
    from parley.corpus.files import read_documents

    settings = settings_or_exit(config)
    inference = settings.inference
    try:
        predictor = Predictor.from_pretrained(
            model or settings.model.path,
            device=inference.device,
            batch_size=inference.batch_size,
            threads=inference.threads,
            backend=inference.backend,
        )
        pool = list(
            candidates(predictor, read_documents(input_file), language or settings.segmentation.default_language)
        )
    except (ModelLoadError, CorpusError) as error:
        raise fail(str(error)) from error
    picked = pick(pool, n)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as stream:
        for candidate in picked:
            stream.write(json.dumps(candidate.as_record(predictor), ensure_ascii=False) + "\n")
    documents = len({candidate.doc_id for candidate in picked})
    typer.echo(f"{len(picked)} segments of {documents} documents (of {len(pool)} segments read) written to {out}")
