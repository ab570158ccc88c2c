"""The `parley` command line."""

import sys
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.table import Table

from parley.backbone_cli import backbone_app
from parley.cli_common import ConfigOption, fail, settings_or_exit, stderr
from parley.config import DEFAULT_CONFIG_PATH, Settings
from parley.data_cli import data_app
from parley.export_cli import export_command
from parley.feedback_cli import feedback_app, suggest_command
from parley.serve_cli import serve_command
from parley.training_cli import evaluate_command, train_command

app = typer.Typer(help="Label every sentence of a news page: boilerplate, proposal, acceptance, refusal, condition.")
app.add_typer(data_app, name="data")
app.add_typer(backbone_app, name="backbone")
app.add_typer(feedback_app, name="feedback")
app.command("train")(train_command)
app.command("evaluate")(evaluate_command)
app.command("export")(export_command)
app.command("serve")(serve_command)
app.command("suggest")(suggest_command)


@app.callback()
def _main() -> None:
    """Parley's commands; `parley COMMAND --help` tells more."""


def _read_input(path: Path) -> tuple[str, str]:
    """(name, text) of a file, or of standard input for '-'."""
    if str(path) == "-":
        data, name = sys.stdin.buffer.read(), "<stdin>"
    else:
        try:
            data, name = path.read_bytes(), str(path)
        except OSError as error:
            raise fail(f"cannot read {path}: {error.strerror}") from error
    try:
        return name, data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise fail(f"{name} is not UTF-8 text (byte {error.start}: {error.reason})") from error


@app.command()
def classify(
    files: Annotated[
        list[Path] | None, typer.Argument(help="Text files of page text; '-' or none reads stdin.")
    ] = None,
    model: Annotated[Path | None, typer.Option(help="Model folder. Default: model.path of the config.")] = None,
    json_output: Annotated[
        bool,
        typer.Option(
            "--json",
            help="One JSON answer per file: /v1/classify's answer without its request_id (and no length limit).",
        ),
    ] = False,
    language: Annotated[str | None, typer.Option(help="Language for sentence rules (fr, en, de…).")] = None,
    device: Annotated[str | None, typer.Option(help="auto, cpu or cuda. Default: from the config.")] = None,
    input_file: Annotated[
        Path | None,
        typer.Option(
            "--input",
            help="A corpus: JSONL, one document a line ({id, text} or {id, segments}). Needs --output.",
        ),
    ] = None,
    output_file: Annotated[
        Path | None,
        typer.Option("--output", help="JSONL, one labelled document a line. A run that stopped resumes where it was."),
    ] = None,
    engine: Annotated[
        Literal["local", "ray"], typer.Option(help="With --input: this machine, or Ray Data (extra [ray]).")
    ] = "local",
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="With --input: processes (local) or Ray actors. Default: measured best."),
    ] = None,
    progress: Annotated[
        bool | None, typer.Option(help="With --input: a progress bar. Default: when stderr is a terminal.")
    ] = None,
    config: ConfigOption = DEFAULT_CONFIG_PATH,
) -> None:
    """Label the sentences of text files and print them; or a whole corpus, from --input to --output."""
    from model.predictor import ModelLoadError, Predictor
    from serve.schemas import classify_response

    settings = settings_or_exit(config)
    if input_file is not None or output_file is not None:
        _classify_corpus(settings, files, input_file, output_file, model, language, device, engine, workers, progress)
        return
    inputs = [_read_input(path) for path in files or [Path("-")]]
    try:
        predictor = Predictor.from_pretrained(
            model or settings.model.path,
            device=device or settings.inference.device,
            batch_size=settings.inference.batch_size,
            threads=settings.inference.threads,
            backend=settings.inference.backend,
        )
    except ModelLoadError as error:
        raise fail(str(error)) from error
    console = Console()
    for name, text in inputs:
        predictions = predictor.predict_document(text, language or settings.segmentation.default_language)
        if json_output:
            print(classify_response(predictor, predictions).model_dump_json())
        else:
            console.print(_table(name, predictions))


def _classify_corpus(
    settings: Settings,
    files: list[Path] | None,
    input_file: Path | None,
    output_file: Path | None,
    model: Path | None,
    language: str | None,
    device: str | None,
    engine: str,
    workers: int | None,
    progress: bool | None,
) -> None:
    """`parley classify --input DOCS.jsonl --output LABELLED.jsonl` (parley/corpus/)."""
    from model.predictor import ModelLoadError
    from parley.corpus import CorpusError, PredictorSpec, classify_corpus

    if files:
        raise fail("give text files, or --input and --output, not both", 2)
    if input_file is None or output_file is None:
        raise fail("--input and --output go together", 2)
    inference = settings.inference
    spec = PredictorSpec(
        str(model or settings.model.path),
        device=device or inference.device,
        batch_size=inference.batch_size,
        threads=inference.threads,
        backend=inference.backend,
    )
    written = 0

    def count(number: int) -> None:
        nonlocal written
        written = number

    try:
        summary = classify_corpus(
            input_file,
            output_file,
            spec,
            language=language or settings.segmentation.default_language,
            engine=engine,
            workers=workers,
            progress=progress,
            on_written=count,
        )
    except (CorpusError, ModelLoadError) as error:
        raise fail(str(error)) from error
    except KeyboardInterrupt:
        stderr.print(
            f"interrupted after {written} documents, all of them in {output_file}: "
            "run the same command again to go on from there"
        )
        raise typer.Exit(130) from None
    stderr.print(
        f"{summary.written} documents labelled into {output_file}"
        + (f" ({summary.skipped} were there already)" if summary.skipped else "")
    )


def _table(title: str, predictions) -> Table:
    table = Table(title=title, show_lines=False, expand=True)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("labels", no_wrap=True)
    table.add_column("sentence", ratio=1)
    for prediction in predictions:
        if prediction.boilerplate:
            labels, style = "boilerplate", "dim"
        else:
            labels, style = " + ".join(prediction.acts) or "-", None
        table.add_row(str(prediction.index), labels, prediction.text, style=style)
    return table


def main() -> None:
    app()
