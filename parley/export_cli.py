"""`parley export`: a model to ONNX (and int8), checked against torch before it is written."""

from pathlib import Path
from typing import Annotated

import typer


def export_command(
    model: Annotated[Path, typer.Argument(help="Model folder to export.")],
    onnx: Annotated[bool, typer.Option("--onnx", help="Export to ONNX (the one format so far).")] = False,
    int8: Annotated[bool, typer.Option("--int8", help="Quantize to dynamic int8 (model.int8.onnx).")] = False,
    output: Annotated[Path | None, typer.Option(help="Export folder. Default: MODEL/onnx.")] = None,
) -> None:
    """Export a model to ONNX (--int8: dynamically quantized), with its tokenizer and thresholds, for ONNX Runtime.

    A parity check against torch ends every export (fp32: scores within 1e-4; int8: >= 99 % of labels agree).

    Nothing is written unless it passes; its figures go to export_report.json beside the export.
    """
    if not onnx:
        typer.echo("error: say which format to export: --onnx (optionally with --int8)", err=True)
        raise typer.Exit(2)
    from training.export import ExportError, describe, export_onnx

    typer.echo(f"exporting {model} to ONNX{' int8' if int8 else ''}…", err=True)
    try:
        result = export_onnx(model, output, int8=int8)
    except ExportError as error:
        typer.echo(f"error: export failed: {error}", err=True)
        raise typer.Exit(1) from error
    for check in result.parity:
        typer.echo("parity " + describe(check))
    typer.echo(f"wrote {result.onnx_file} in {result.seconds:.0f} s")
