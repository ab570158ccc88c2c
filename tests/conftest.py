import os
from pathlib import Path

import pytest

# Tests never reach the Hugging Face Hub: fail fast instead of retrying the network.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from tests.postgres import INSTALL_HINT, fresh_database, postgres_bin, postgres_server
from tests.tiny_model import build_tiny_model


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random Parley model folder, built once per test session."""
    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture
def feedback_database_env(monkeypatch, tmp_path) -> str:
    """`parley serve` on the default settings keeps its feedback in a temporary file, not in the clone's data/
    (an environment override: it wins over settings passed in code too)."""
    url = f"sqlite:///{tmp_path / 'feedback.sqlite3'}"
    monkeypatch.setenv("PARLEY_FEEDBACK__DATABASE_URL", url)
    return url


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A real PostgreSQL server for the session (started on first use)."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        pytest.skip(INSTALL_HINT)
    with postgres_server(bin_dir) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    """An empty feedback database: a SQLite file, then a PostgreSQL database (each test runs on both)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'feedback.sqlite3'}"
        return
    with fresh_database(request.getfixturevalue("postgres_url")) as url:
        yield url


def pytest_terminal_summary(terminalreporter) -> None:
    """The number of cases the fuzz tests (-m fuzz) tried, by target."""
    from tests import fuzzing

    lines = fuzzing.summary()
    if lines:
        terminalreporter.section("fuzz cases tried")
        for line in lines:
            terminalreporter.write_line(line)
        terminalreporter.write_line(f"written to {fuzzing.write_report()}")
