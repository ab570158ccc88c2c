"""The app factory: ``create_app(settings)`` builds the FastAPI app of `parley serve`.

The model is loaded when the app starts (unless a predictor is passed in, as
the CLI and the tests do), then warmed up in the background: `/healthz` answers
at once, `/readyz` only once the warm-up forward pass is done. At shutdown
uvicorn first lets the requests in flight finish (``serving.shutdown_timeout_s``),
then the micro-batchers stop.
"""

import asyncio
import logging
import os
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from feedback.store import FeedbackStore
from model.folder import read_model_metrics
from model.predictor import Predictor
from parley import __version__
from parley.config import CONFIG_ENV, DEFAULT_CONFIG_PATH, Settings, load_settings
from serve.admin import admin_token
from serve.admin import router as admin_router
from serve.auth import token_from_environment
from serve.errors import install_error_handlers
from serve.feedback import CLIENT_HEADER
from serve.feedback import router as feedback_router
from serve.logs import configure_logging
from serve.metrics import Metrics
from serve.middleware import REQUEST_ID_HEADER, install_request_middleware
from serve.page import router as page_router
from serve.routes import router
from serve.service import Service

__all__ = ["app_from_environment", "create_app", "load_predictor"]

logger = logging.getLogger(__name__)


def load_predictor(settings: Settings) -> Predictor:
    """The predictor for ``settings``' model, device and backend."""
    return Predictor.from_pretrained(
        settings.model.path,
        device=settings.inference.device,
        batch_size=settings.inference.batch_size,
        threads=settings.inference.threads,
        backend=settings.inference.backend,
    )


def create_app(settings: Settings, predictor: Predictor | None = None) -> FastAPI:
    """The app; raises ``ConfigError`` for a token that is too short, ``FeedbackStoreError`` for a database URL
    that is not one."""
    metrics = Metrics()
    token = admin_token(settings)
    feedback_token = token_from_environment(settings.feedback.token_env)
    feedback_store = FeedbackStore(settings.feedback.database_url)

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
        if token is not None:
            logger.info("admin endpoints enabled (token from $%s)", settings.serving.admin_token_env)
        warm_up = asyncio.create_task(service.warm_up())
        yield
        warm_up.cancel()
        await asyncio.gather(warm_up, return_exceptions=True)
        await service.stop()
        feedback_store.close()

    app = FastAPI(
        title="Parley",
        version=__version__,
        summary="Labels every sentence of a news page: boilerplate, proposal, acceptance, refusal, condition.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.admin_token = token
    app.state.reload_lock = asyncio.Lock()
    app.state.feedback_token = feedback_token
    app.state.feedback_store = feedback_store
    install_error_handlers(app)
    install_request_middleware(app, settings.serving.max_body_bytes)
    if settings.serving.cors_origins:  # added last: outermost, so that error answers carry the headers too
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.serving.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", REQUEST_ID_HEADER, CLIENT_HEADER],  # never Authorization
            expose_headers=[REQUEST_ID_HEADER],
        )
    app.include_router(router)
    app.include_router(admin_router)
    app.include_router(feedback_router)
    app.include_router(page_router)
    return app


def app_from_environment() -> FastAPI:
    """The app of one worker process of `parley serve --workers N` (a uvicorn factory).

    Its settings: the file named by $PARLEY_CONFIG, with the PARLEY_<SECTION>__<KEY> overrides that
    the command set for its own options.
    """
    settings = load_settings(os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG_PATH)
    configure_logging(settings.serving.log_level)
    return create_app(settings)
