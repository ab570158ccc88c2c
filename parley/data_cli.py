"""`parley data …`: check, describe and split labelled data."""

from pathlib import Path
from typing import Annotated

import typer

from parley.cli_common import fail
from training.corpus_stats import compute_stats, format_stats, format_targets
from training.data import DataError, check_files, read_documents, write_documents
from training.split import DEFAULT_SEED, SPLITS, labels_missing, split_documents

data_app = typer.Typer(help="Check, describe and split labelled data (JSONL documents or segments, CSV).")

Files = Annotated[list[Path], typer.Argument(help="Data files: .jsonl or .csv.", exists=False)]


@data_app.command()
def check(files: Files) -> None:
    """Validate data files; every problem is printed with its file, line and field (exit 1 if any).

    Valid files are then measured against the targets the project's corpus is written to (data/README.md);
    a missed target is reported, not an error: your own data need not meet them.
    """
    loaded, problems = check_files(files)
    for problem in problems:
        typer.echo(str(problem), err=True)
    segments = sum(len(item.document.segments) for item in loaded)
    if problems:
        raise fail(f"{len(problems)} problem(s) in {len(files)} file(s)")
    typer.echo(f"ok: {len(files)} file(s), {len(loaded)} documents, {segments} segments")
    typer.echo(format_targets(compute_stats({"all": [item.document for item in loaded]})))


@data_app.command()
def stats(files: Files) -> None:
    """Counts per label, language, domain and split, label co-occurrence, duplicate rates.

    A file named train/dev/test.jsonl counts as that split; any other file as its own name.
    """
    ordered = sorted(files, key=lambda path: (SPLITS.index(path.stem) if path.stem in SPLITS else len(SPLITS), path))
    try:
        by_split = {path.stem: read_documents([path]) for path in ordered}
    except DataError as error:
        raise fail(str(error)) from error
    typer.echo(format_stats(compute_stats(by_split)))


@data_app.command()
def split(
    files: Files,
    output: Annotated[Path, typer.Option(help="Folder for train.jsonl, dev.jsonl and test.jsonl.")] = Path("data"),
    seed: Annotated[int, typer.Option(help="Seed of the document order inside a language and domain.")] = DEFAULT_SEED,
    keep: Annotated[
        Path | None,
        typer.Option(help="Folder of an earlier split: its documents stay in their split; only new ones are dealt."),
    ] = None,
) -> None:
    """Split documents into train/dev/test by document (about 70/15/15, stratified by language and domain)."""
    try:
        documents = read_documents(files)
        kept = (
            {}
            if keep is None
            else {d.doc_id: name for name in SPLITS for d in read_documents([keep / f"{name}.jsonl"])}
        )
    except DataError as error:
        raise fail(str(error)) from error
    splits = split_documents(documents, seed, kept)
    for name in SPLITS:
        missing = labels_missing(splits[name])
        if missing:
            raise fail(f"the {name} split would have no {', '.join(missing)}; add documents")
    output.mkdir(parents=True, exist_ok=True)
    for name in SPLITS:
        write_documents(splits[name], output / f"{name}.jsonl")
        typer.echo(f"{output / f'{name}.jsonl'}: {len(splits[name])} documents")
