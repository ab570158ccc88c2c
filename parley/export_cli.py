"""`parley export`: a model to ONNX (and int8), checked against torch before it is written."""

from pathlib import Path
from typing import Annotated

import typer

from parley.cli_common import ConfigOption, fail, needs_extra, settings_or_exit
from parley.config import DEFAULT_CONFIG_PATH


def export_command(
    model: Annotated[
        Path | None, typer.Argument(help="Model folder to export. Default: model.path of the settings.")
    ] = None,
    onnx: Annotated[bool, typer.Option("--onnx", help="Export to ONNX (the one format so far).")] = False,
    int8: Annotated[bool, typer.Option("--int8", help="Quantize to dynamic int8 (model.int8.onnx).")] = False,
    output: Annotated[Path | None, typer.Option(help="Export folder. Default: MODEL/onnx.")] = None,
    config: ConfigOption = DEFAULT_CONFIG_PATH,
) -> None:
    """Export a model to ONNX (--int8: dynamically quantized), with its tokenizer and thresholds, for ONNX Runtime.

    A parity check against torch ends every export (fp32: scores within 1e-4; int8: >= 99 % of labels agree).

    Nothing is written unless it passes; its figures go to export_report.json beside the export.
    """
    if not onnx:
        raise fail("say which format to export: --onnx (optionally with --int8)", 2)
    with needs_extra("train", "export"):
        from training.export import ExportError, describe, export_onnx

    model = model or settings_or_exit(config).model.path
    typer.echo(f"exporting {model} to ONNX{' int8' if int8 else ''}…", err=True)
    try:
        result = export_onnx(model, output, int8=int8)
    except ExportError as error:
        raise fail(f"export failed: {error}") from error
    for check in result.parity:
        typer.echo("parity " + describe(check))
    typer.echo(f"wrote {result.onnx_file} in {result.seconds:.0f} s")
