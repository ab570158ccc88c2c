"""How many cases the fuzz tests tried: counted per test, printed at the end of the pytest run (tests/conftest.py)
and written to test-artifacts/fuzz_cases.json."""

import json
from collections import Counter
from pathlib import Path

CASES: Counter[str] = Counter()
REPORT = Path(__file__).resolve().parent.parent / "test-artifacts" / "fuzz_cases.json"


def tried(name: str) -> None:
    CASES[name] += 1


def summary() -> list[str]:
    """One line per fuzz target, then the total; empty when no fuzz test ran."""
    if not CASES:
        return []
    lines = [f"{count:>6} cases  {name}" for name, count in sorted(CASES.items())]
    return [*lines, f"{sum(CASES.values()):>6} cases in all"]


def write_report() -> Path | None:
    if not CASES:
        return None
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps({"total": sum(CASES.values()), "cases": dict(sorted(CASES.items()))}, indent=2) + "\n")
    return REPORT
