"""The real-like dev set: 120 pages rewritten from real news pages (``../shared/realdev``, beside the clone).

It measures; it is never trained on, and nothing (thresholds, epochs) is fitted to it automatically.
"""

from pathlib import Path

from training.data import Document, read_documents

REALDEV_DOCS = Path(__file__).resolve().parent.parent.parent / "shared" / "realdev" / "docs.jsonl"
REALDEV_TITLE = "../shared/realdev/docs.jsonl"


def load_realdev(path: Path = REALDEV_DOCS) -> list[Document] | None:
    """The realdev documents, or None when the shared folder is not beside this clone."""
    return read_documents([path]) if path.is_file() else None


def missing_note(path: Path = REALDEV_DOCS) -> str:
    return f"{path} is not present (the shared folder is not beside this clone): not measured on real-like text"
