"""`parley serve`: the HTTP API, with uvicorn.

The model is loaded before the server starts, so that a bad model folder is a
one-line error and not a failed server start. Heavy imports (torch, FastAPI,
uvicorn) wait until the command runs, to keep `parley --help` fast.
"""

import os
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.markup import escape

from parley.cli_common import ConfigOption, fail, settings_or_exit, stderr
from parley.config import CONFIG_ENV, DEFAULT_CONFIG_PATH, ConfigError, Settings, environment_name


def serve_command(
    model: Annotated[Path | None, typer.Option(help="Model folder. Default: model.path of the config.")] = None,
    host: Annotated[str | None, typer.Option(help="Address to listen on. Default: serving.host.")] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="Default: serving.port.")] = None,
    device: Annotated[
        Literal["auto", "cpu", "cuda"] | None, typer.Option(help="Default: inference.device (auto: CUDA if any).")
    ] = None,
    backend: Annotated[
        Literal["auto", "torch", "onnx"] | None,
        typer.Option(help="Default: inference.backend. auto: ONNX Runtime on CPU when MODEL/onnx/ holds an export."),
    ] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Processes, each with its own model. Default: serving.workers.")
    ] = None,
    config: ConfigOption = DEFAULT_CONFIG_PATH,
) -> None:
    """Serve the HTTP API: POST /v1/classify and /v1/classify/batch, POST /v1/feedback, GET /v1/model, /healthz,
    /readyz, /metrics; OpenAPI docs at /docs; a web page to read an article's labels and correct them at /."""
    overrides = {
        ("model", "path"): model,
        ("serving", "host"): host,
        ("serving", "port"): port,
        ("serving", "workers"): workers,
        ("inference", "device"): device,
        ("inference", "backend"): backend,
    }
    settings = settings_or_exit(config, overrides)
    import uvicorn

    from model.predictor import ModelLoadError
    from serve.admin import admin_token
    from serve.app import create_app, load_predictor
    from serve.auth import token_from_environment
    from serve.logs import configure_logging

    serving = settings.serving
    configure_logging(serving.log_level)
    try:
        admin_token(settings)
        token_from_environment(settings.feedback.token_env)
    except ConfigError as error:
        raise fail(str(error), 2) from error
    _prepare_feedback_database(settings)
    try:
        predictor = load_predictor(settings)
    except ModelLoadError as error:
        raise fail(str(error)) from error
    # log_config=None: uvicorn's lines go through Parley's log format; its access log is replaced by
    # Parley's, which carries request ids.
    options: dict[str, Any] = {
        "host": serving.host,
        "port": serving.port,
        "log_level": serving.log_level,
        "log_config": None,
        "access_log": False,
        # SIGTERM / Ctrl-C: stop accepting, let the requests in flight finish (at most this long), then stop.
        "timeout_graceful_shutdown": serving.shutdown_timeout_s,
    }
    if serving.workers == 1:
        uvicorn.run(create_app(settings, predictor), **options)
    else:
        del predictor  # it only checked the model folder: each worker loads its own
        # Each worker reads the same file, and the command line's options as environment overrides.
        os.environ[CONFIG_ENV] = str(Path(config).resolve())
        for (section, key), value in overrides.items():
            if value is not None:
                os.environ[environment_name(section, key)] = str(value)
        uvicorn.run("serve.app:app_from_environment", factory=True, workers=serving.workers, **options)


def _prepare_feedback_database(settings: Settings) -> None:
    """Create or upgrade the feedback database once, before any worker starts.

    A URL that is not one stops the command; a database that cannot be reached now only warns: classification
    does not need it, and `POST /v1/feedback` answers 503 until it can be opened.
    """
    from feedback.store import FeedbackStore, FeedbackStoreError

    try:
        store = FeedbackStore(settings.feedback.database_url)
    except FeedbackStoreError as error:
        raise fail(str(error), 2) from error
    try:
        store.ensure_schema()
    except FeedbackStoreError as error:
        stderr.print(f"[yellow]warning:[/yellow] {escape(str(error))}; POST /v1/feedback answers 503 until it opens")
    finally:
        store.close()
