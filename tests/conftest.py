import os
from pathlib import Path

import pytest

# Tests never reach the Hugging Face Hub: fail fast instead of retrying the network.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from tests.tiny_model import build_tiny_model


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random Parley model folder, built once per test session."""
    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"))


def pytest_terminal_summary(terminalreporter) -> None:
    """The number of cases the fuzz tests (-m fuzz) tried, by target."""
    from tests import fuzzing

    lines = fuzzing.summary()
    if lines:
        terminalreporter.section("fuzz cases tried")
        for line in lines:
            terminalreporter.write_line(line)
        terminalreporter.write_line(f"written to {fuzzing.write_report()}")
