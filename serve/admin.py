"""`POST /v1/admin/reload`: load another model folder, check it, and swap it in without failing a request.

Enabled only when the environment variable named by ``serving.admin_token_env`` holds a token (16 characters
or more; it is never read from the YAML file). Callers send it as ``Authorization: Bearer TOKEN``; it is
compared in constant time. While disabled the endpoint answers 404 ``admin_disabled``: nothing can be done
there in this configuration, and a 401 or 403 would only invite token guessing.

The body names a folder relative to ``serving.models_root``. Anything that is not a plain relative path
inside that folder (absolute paths, ``..``, a symbolic link leading out) is refused with 403 before the file
system is looked at, with one message whatever exists, so the endpoint cannot probe the file system.

The new model is loaded in a worker thread while the old one keeps answering, then self-checked (its labels
and thresholds are checked when it loads; then a known page must come back with one row of five finite scores
in [0, 1] per segment). Only then is it swapped in (``Service.swap``): requests in flight finish on the old
model, new ones use the new one. A failed reload leaves the old model in place and answers 422 with the
reason. One reload runs at a time (409 while one is running).
"""

import asyncio
import json
import logging
import time
from pathlib import Path, PurePosixPath
from typing import Annotated

import numpy as np
from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, ConfigDict, Field

from model.folder import CONFIG_FILE, read_model_metrics
from model.labels import LABELS
from model.predictor import ModelLoadError, Predictor
from model.sample_pages import EXAMPLE_PAGE
from model.segment import segment_text
from parley.config import Settings
from serve.auth import bearer, check_bearer, token_from_environment
from serve.errors import ApiError
from serve.schemas import ErrorResponse, ModelInfo, model_info
from serve.service import ServiceDep

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/admin", tags=["admin"])


def admin_token(settings: Settings) -> str | None:
    """The admin token from the environment, or None when the admin endpoints are disabled."""
    return token_from_environment(settings.serving.admin_token_env)


class ReloadRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str = Field(
        min_length=1,
        max_length=512,
        description="The model folder to serve, relative to serving.models_root (e.g. `default`, `mine/v2`).",
        examples=["default"],
    )


class ReloadResponse(BaseModel):
    model: ModelInfo
    previous: ModelInfo
    path: str = Field(description="The folder now served, relative to serving.models_root.")
    backend: str
    seconds: float = Field(description="Time to load and check the new model.")


def require_admin(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> None:
    """404 while disabled, 401 without the right bearer token."""
    token: str | None = request.app.state.admin_token
    if token is None:
        env = request.app.state.settings.serving.admin_token_env
        raise ApiError(404, "admin_disabled", f"the admin endpoints are disabled: set a token in ${env} to enable them")
    check_bearer(credentials, token)


def resolve_model_folder(root: Path, name: str) -> Path:
    """``name`` as a folder under ``root``; 403 for anything else, with the same message whatever exists."""
    refused = ApiError(403, "forbidden_path", "model must be a relative path to a folder under serving.models_root")
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if not parts or name.startswith(("/", "\\", "~")) or any(part in ("..", "") or ":" in part for part in parts):
        raise refused
    if "\x00" in name:
        raise refused
    root = root.resolve()
    folder = root.joinpath(*parts).resolve()
    if folder == root or not folder.is_relative_to(root):
        raise refused
    return folder


def self_check(predictor: Predictor) -> None:
    """Refuse a model that does not label a known page: one row of finite scores in [0, 1] per segment."""
    thresholds = predictor.metadata.thresholds
    if list(thresholds) != list(LABELS) or not all(np.isfinite(v) and 0 <= v <= 1 for v in thresholds.values()):
        raise ModelLoadError(f"its thresholds {thresholds} are not one value in [0, 1] per label")
    segments = [segment.text for segment in segment_text(EXAMPLE_PAGE, "fr")]
    (scores,) = predictor.score_pages([segments])
    if scores.shape != (len(segments), len(LABELS)):
        raise ModelLoadError(f"it scored the self-check page as shape {scores.shape}, not {(len(segments), 5)}")
    if not np.all(np.isfinite(scores)) or scores.min() < 0 or scores.max() > 1:
        raise ModelLoadError("it gave scores that are not finite values in [0, 1] on the self-check page")


def _load_and_check(settings: Settings, folder: Path) -> Predictor:
    inference = settings.inference
    predictor = Predictor.from_pretrained(
        folder,
        device=inference.device,
        batch_size=inference.batch_size,
        threads=inference.threads,
        backend=inference.backend,
    )
    self_check(predictor)
    return predictor


def _is_folder(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # a name too long for the file system, …
        return False


def _has_parley_metadata(folder: Path) -> bool:
    try:
        config = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return True  # the loader reports it
    return isinstance(config, dict) and "parley" in config


@router.post(
    "/reload",
    response_model=ReloadResponse,
    responses={status: {"model": ErrorResponse} for status in (400, 401, 403, 404, 409, 413, 415, 422, 503)},
    dependencies=[Depends(require_admin)],
    summary="Load another model folder, self-check it, and swap it in",
)
async def reload(payload: ReloadRequest, request: Request, service: ServiceDep) -> ReloadResponse:
    """Requires `Authorization: Bearer TOKEN` (the token in the environment variable named by
    `serving.admin_token_env`; 404 while none is set). Requests in flight finish on the old model; a model that
    fails to load or to pass its self-check is not swapped in, and the answer says why."""
    settings: Settings = request.app.state.settings
    lock: asyncio.Lock = request.app.state.reload_lock
    if settings.serving.workers > 1:
        raise ApiError(409, "reload_unsupported", "reload works with one worker; restart the workers instead")
    folder = resolve_model_folder(settings.serving.models_root, payload.model)
    if lock.locked():
        raise ApiError(409, "reload_in_progress", "another reload is running; try again when it is done")
    async with lock:
        previous = service.slot
        started = time.perf_counter()
        try:
            if not _is_folder(folder):
                raise ModelLoadError(f"there is no folder {payload.model!r} under serving.models_root")
            if not _has_parley_metadata(folder):
                raise ModelLoadError("its config.json has no Parley metadata (thresholds, page settings)")
            predictor = await asyncio.to_thread(_load_and_check, settings, folder)
        except Exception as error:  # whatever went wrong, the old model stays and the answer says why
            request.app.state.metrics.reloads.labels("failed").inc()
            current = previous.predictor.metadata
            reason = str(error) if isinstance(error, ModelLoadError) else f"{type(error).__name__}: {error}"
            logger.warning("reload of %s refused: %s", payload.model, reason)
            raise ApiError(
                422,
                "reload_failed",
                f"the model {payload.model!r} was not loaded: {reason}. "
                f"Still serving {current.name} {current.version}.",
            ) from error
        slot = service.new_slot(predictor, folder, read_model_metrics(folder))
        await service.swap(slot)
        seconds = time.perf_counter() - started
        request.app.state.metrics.reloads.labels("swapped").inc()
        logger.info(
            "reloaded: now serving %s %s from %s (%.1f s)",
            predictor.metadata.name,
            predictor.metadata.version,
            payload.model,
            seconds,
        )
    return ReloadResponse(
        model=model_info(predictor),
        previous=model_info(previous.predictor),
        path=str(folder.relative_to(settings.serving.models_root.resolve())),
        backend=predictor.backend,
        seconds=round(seconds, 3),
    )
