"""The app factory: ``create_app(settings)`` builds the FastAPI app of `parley serve`.

The model is loaded when the app starts (unless a predictor is passed in, as
the CLI and the tests do), then warmed up in the background: `/healthz` answers
at once, `/readyz` only once the warm-up forward pass is done.
"""

import asyncio
import json
import logging
import os
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from model.predictor import Predictor
from parley import __version__
from parley.config import Settings
from serve.errors import install_error_handlers
from serve.logs import configure_logging
from serve.metrics import Metrics
from serve.middleware import install_request_middleware
from serve.page import router as page_router
from serve.routes import router
from serve.service import Service
from training.model_card import METRICS_FILE

logger = logging.getLogger(__name__)

# `parley serve --workers N` hands its settings to each worker process through this variable.
SETTINGS_ENV = "PARLEY_SERVE_SETTINGS"


def load_predictor(settings: Settings) -> Predictor:
    """The predictor for ``settings``' model, device and backend."""
    return Predictor.from_pretrained(
        settings.model.path,
        device=settings.inference.device,
        batch_size=settings.inference.batch_size,
        threads=settings.inference.threads,
        backend=settings.inference.backend,
    )


def read_model_metrics(model_dir: Path) -> dict[str, Any] | None:
    """The evaluation metrics stored in the model folder, or None when it has none (or they are unreadable)."""
    path = model_dir / METRICS_FILE
    if not path.is_file():
        return None
    try:
        metrics = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        logger.warning("ignoring %s: %s", path, error)
        return None
    return metrics if isinstance(metrics, dict) else None


def create_app(settings: Settings, predictor: Predictor | None = None) -> FastAPI:
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        service = Service(
            settings,
            predictor or load_predictor(settings),
            metrics,
            model_metrics=read_model_metrics(settings.model.path),
        )
        app.state.service = service
        logger.info("serving %s %s", service.predictor.metadata.name, service.predictor.metadata.version)
        warm_up = asyncio.create_task(service.warm_up())
        yield
        warm_up.cancel()
        await asyncio.gather(warm_up, return_exceptions=True)
        await service.batcher.stop()

    app = FastAPI(
        title="Parley",
        version=__version__,
        summary="Labels every sentence of a news page: boilerplate, proposal, acceptance, refusal, condition.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.metrics = metrics
    install_error_handlers(app)
    install_request_middleware(app, settings.serving.max_body_bytes)
    app.include_router(router)
    app.include_router(page_router)
    return app


def app_from_environment() -> FastAPI:
    """The app of one worker process of `parley serve --workers N` (a uvicorn factory)."""
    settings = Settings.model_validate_json(os.environ[SETTINGS_ENV])
    configure_logging(settings.serving.log_level)
    return create_app(settings)
