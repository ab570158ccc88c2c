"""Where corrections are kept: a SQLite file or a PostgreSQL database, behind SQLAlchemy.

The schema is Alembic's (``feedback/migrations``): the store upgrades the database to the newest migration on
first use, so a new Parley upgrades an old database in place. A correction is acknowledged only once its
transaction is committed; SQLite runs in WAL mode with ``synchronous=FULL``, so a server killed at any moment
leaves a database that opens and holds every acknowledged row.
"""

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, func, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session

from feedback.tables import Correction

MIGRATIONS = Path(__file__).with_name("migrations")
# SQLite: how long a writer waits for another one's lock before failing.
SQLITE_BUSY_TIMEOUT_S = 30


class FeedbackStoreError(RuntimeError):
    """The database cannot be reached, opened or written; the message says which and why (never a password)."""


def database_url(url: str) -> URL:
    """The SQLAlchemy URL for ``url``: ``postgresql://`` runs on psycopg 3 (installed with Parley)."""
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise FeedbackStoreError(f"feedback.database_url {url!r} is not a database URL: {error}") from error
    if parsed.drivername in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise FeedbackStoreError(
            f"feedback.database_url: {parsed.drivername} is not supported; use sqlite:///PATH or "
            "postgresql://USER:PASSWORD@HOST/DATABASE"
        )
    return parsed


def make_engine(url: str) -> Engine:
    parsed = database_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})

    @event.listens_for(engine, "connect")
    def _durable(connection, _record) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
        cursor.execute("PRAGMA synchronous=FULL")  # a commit is on disk before it is acknowledged
        cursor.close()

    return engine


def upgrade_schema(engine: Engine) -> None:
    """Bring the database to the newest migration (creating the tables in an empty one)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


class FeedbackStore:
    """The corrections of one database. Safe to share between threads; its schema is upgraded on first use."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.description = self.engine.url.render_as_string(hide_password=True)
        self._schema_ready = False
        self._schema_lock = threading.Lock()

    def ensure_schema(self) -> None:
        with self._schema_lock:
            if self._schema_ready:
                return
            with self._errors("open"):
                upgrade_schema(self.engine)
            self._schema_ready = True

    def add(self, corrections: Sequence[Correction]) -> list[int]:
        """Store the corrections in one transaction (all or none); their ids, once committed."""
        self.ensure_schema()
        with self._errors("write to"), Session(self.engine, expire_on_commit=False) as session:
            session.add_all(corrections)
            session.commit()
            return [correction.id for correction in corrections]

    def corrections(self) -> Iterator[Correction]:
        """Every correction, oldest first."""
        self.ensure_schema()
        with self._errors("read"), Session(self.engine) as session:
            yield from session.scalars(select(Correction).order_by(Correction.id).execution_options(yield_per=1000))

    def count(self) -> int:
        self.ensure_schema()
        with self._errors("read"), Session(self.engine) as session:
            return session.scalar(select(func.count()).select_from(Correction)) or 0

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        """A database error, as a FeedbackStoreError that says what could not be done, and where."""
        try:
            yield
        except (SQLAlchemyError, OSError) as error:
            reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
            raise FeedbackStoreError(f"cannot {action} the feedback database {self.description}: {reason}") from error
