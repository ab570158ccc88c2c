"""The real-like dev set: 120 pages rewritten from real news pages (``../shared/realdev``, beside the clone).

It measures; it is never trained on, and nothing (thresholds, epochs) is fitted to it automatically.
"""

from pathlib import Path

import numpy as np

from model.predictor import Predictor
from training.data import Document, read_documents
from training.evaluate import apply_thresholds, compute_metrics, gold_matrix, score_documents

REALDEV_DOCS = Path(__file__).resolve().parent.parent.parent / "shared" / "realdev" / "docs.jsonl"
REALDEV_TITLE = "../shared/realdev/docs.jsonl"


def load_realdev(path: Path = REALDEV_DOCS) -> list[Document] | None:
    """The realdev documents, or None when the shared folder is not beside this clone."""
    return read_documents([path]) if path.is_file() else None


def missing_note(path: Path = REALDEV_DOCS) -> str:
    return f"{path} is not present (the shared folder is not beside this clone): not measured on real-like text"


def predict(model_dir: Path, documents: list[Document], backend: str = "torch") -> tuple[np.ndarray, np.ndarray]:
    """(0/1 labels at the model's own thresholds, scores) of a model folder on ``documents``' segments."""
    predictor = Predictor.from_pretrained(model_dir, device="auto", backend=backend)
    scores = score_documents(predictor, documents)
    return apply_thresholds(scores, predictor.metadata.thresholds), scores


def figures(gold: np.ndarray, predicted: np.ndarray, scores: np.ndarray) -> dict[str, float]:
    """Acts macro-F1, boilerplate F1 and each act's F1."""
    result = compute_metrics(gold, predicted, scores)
    return {
        "macro_f1_acts": result.macro_f1_acts,
        "boilerplate_f1": result.boilerplate_f1,
        **{f"f1_{label}": metrics.f1 for label, metrics in result.labels.items() if label != "boilerplate"},
    }


def measure(model_dir: Path, documents: list[Document], backend: str = "torch") -> dict[str, float]:
    """:func:`figures` of a model folder on ``documents``, at its own thresholds."""
    return figures(gold_matrix(documents), *predict(model_dir, documents, backend))
