"""The feedback database's one table: a correction per row, never updated.

The same sentence corrected twice keeps both rows; the export takes the latest. Changing this table means a
new migration in ``feedback/migrations/versions`` (the store upgrades every database to the newest on first
use).
"""

import hashlib
import json
from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

HASH_LENGTH = 64  # a SHA-256, in hex


class Base(DeclarativeBase):
    pass


class Correction(Base):
    """One sentence as a user labelled it, beside what the model said of it."""

    __tablename__ = "corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    text: Mapped[str] = mapped_column(Text)
    text_hash: Mapped[str] = mapped_column(String(HASH_LENGTH), index=True)
    # The page the sentence was read in: its segments in order (the sentence among them), and their hash.
    context: Mapped[list[str] | None] = mapped_column(JSON)
    page_hash: Mapped[str | None] = mapped_column(String(HASH_LENGTH), index=True)
    language: Mapped[str] = mapped_column(String(8))
    # The user's labels.
    boilerplate: Mapped[bool]
    acts: Mapped[list[str]] = mapped_column(JSON)
    # What the model said: its scores per label, and which model it was.
    scores: Mapped[dict[str, float]] = mapped_column(JSON)
    model_name: Mapped[str] = mapped_column(String(200))
    model_version: Mapped[str] = mapped_column(String(100))
    # Who sent it (the X-Parley-Client header) and the /v1/classify answer it corrects, when given.
    client: Mapped[str | None] = mapped_column(String(200))
    request_id: Mapped[str | None] = mapped_column(String(128))

    @property
    def created_utc(self) -> datetime:
        """``created_at`` with its time zone (SQLite gives the stored UTC time back without one)."""
        return self.created_at if self.created_at.tzinfo else self.created_at.replace(tzinfo=UTC)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def page_hash(segments: list[str]) -> str:
    return text_hash(json.dumps(segments, ensure_ascii=False))
