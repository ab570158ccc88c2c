"""`parley train` and `parley evaluate`."""

from pathlib import Path
from typing import Annotated, Literal

import typer

from parley.cli_common import ConfigOption, fail, needs_extra, settings_or_exit
from parley.config import DEFAULT_CONFIG_PATH


def train_command(
    config: ConfigOption = DEFAULT_CONFIG_PATH,
    data: Annotated[
        list[Path] | None, typer.Option(help="Training files (repeat the option). Default: training.train_files.")
    ] = None,
    dev: Annotated[list[Path] | None, typer.Option(help="Dev files. Default: training.dev_files.")] = None,
    with_corpus: Annotated[
        bool,
        typer.Option(
            help="Also train on training.train_files (the corpus) besides --data, whose pages are then repeated "
            "up to training.data_share of each epoch."
        ),
    ] = False,
    init_from: Annotated[Path | None, typer.Option(help="Continue from this Parley model folder.")] = None,
    output: Annotated[Path | None, typer.Option(help="Model folder to write. Default: training.output_dir.")] = None,
    resume: Annotated[bool, typer.Option(help="Resume from the last checkpoint of this output.")] = False,
) -> None:
    """Fine-tune a model on labelled data, tune its thresholds on dev, and write its folder."""
    from model.predictor import ModelLoadError

    with needs_extra("train", "train"):
        from training.backbones import BackboneError
        from training.train import train

    settings = settings_or_exit(config)
    options = settings.training
    try:
        result = train(
            options,
            settings.page,
            train_files=list(data or options.train_files),
            corpus_files=list(options.train_files) if data and with_corpus else None,
            dev_files=list(dev or options.dev_files),
            output_dir=output or options.output_dir,
            init_from=init_from,
            resume=resume,
        )
    except (ValueError, BackboneError, ModelLoadError, FileNotFoundError) as error:
        raise fail(str(error)) from error
    finally:
        _leave_process_group()
    if not result.main_process:  # another process of `torchrun`/`accelerate launch`: the main one reports
        return
    typer.echo(f"model written to {result.output_dir} after {result.epochs_run:g} epochs")
    typer.echo("thresholds (tuned on dev): " + ", ".join(f"{k} {v:.2f}" for k, v in result.thresholds.items()))
    typer.echo("dev: " + ", ".join(f"{k} {v:.3f}" for k, v in result.dev_metrics.items()))


def _leave_process_group() -> None:
    """End the process group that a multi-process run (torchrun, accelerate launch) joined, if any."""
    import torch.distributed

    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()


def evaluate_command(
    model: Annotated[Path | None, typer.Argument(help="Model folder. Default: model.path of the settings.")] = None,
    data: Annotated[list[Path] | None, typer.Option(help="Labelled files to score. Default: data/test.jsonl.")] = None,
    output: Annotated[Path | None, typer.Option(help="Report folder. Default: MODEL/evaluation.")] = None,
    device: Annotated[
        Literal["auto", "cpu", "cuda"] | None, typer.Option(help="Default: inference.device of the settings.")
    ] = None,
    backend: Annotated[
        Literal["auto", "torch", "onnx"],
        typer.Option(help="onnx: the export in MODEL/onnx/ (int8 first); auto: as `parley serve` chooses."),
    ] = "torch",
    update_card: Annotated[
        bool, typer.Option(help="Write the report into MODEL itself and refresh its model card with the figures.")
    ] = False,
    config: ConfigOption = DEFAULT_CONFIG_PATH,
) -> None:
    """Score a model on labelled data: metrics.json, metrics.md and PNG plots."""
    from model.predictor import ModelLoadError, Predictor
    from training.data import DataError, read_documents

    with needs_extra("train", "evaluate"):
        from training.evaluate import apply_thresholds, compute_metrics, gold_matrix, score_documents, write_report
        from training.model_card import write_model_card

    settings = settings_or_exit(config)
    inference = settings.inference
    model = model or settings.model.path
    try:
        documents = read_documents(data or [Path("data/test.jsonl")])
        predictor = Predictor.from_pretrained(
            model,
            device=device or inference.device,
            backend=backend,
            batch_size=inference.batch_size,
            threads=inference.threads,
        )
    except (DataError, ModelLoadError) as error:
        raise fail(str(error)) from error
    scores = score_documents(predictor, documents)
    gold = gold_matrix(documents)
    predicted = apply_thresholds(scores, predictor.metadata.thresholds)
    result = compute_metrics(gold, predicted, scores)
    report_dir = model if update_card else output or model / "evaluation"
    title = ", ".join(str(path) for path in data or [Path("data/test.jsonl")])
    write_report(result, report_dir, title, gold, scores, predicted, thresholds=predictor.metadata.thresholds)
    if update_card:
        write_model_card(model)
    typer.echo((report_dir / "metrics.md").read_text(encoding="utf-8"))
