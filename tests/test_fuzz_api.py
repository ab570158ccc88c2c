"""Schemathesis against the service's own OpenAPI schema, over real HTTP (uvicorn on loopback).

Schemathesis's own runner (`st run`) reads /openapi.json of a live app and tests every operation in it
(classify, batch, feedback, model info, health, readiness, metrics, admin reload) with its phases: the schema's
examples, coverage cases (boundaries and every kind of schema violation) and generated requests, valid and
invalid. Every answer must not be a 5xx, must be a documented status with the documented content type and a
body that matches the schema, invalid input must be refused, and each must come within the request timeout
(no hang). Examples per operation are bounded (``MAX_EXAMPLES``) so that this runs in `make test`.

The number of cases tried is printed at the end of the pytest run and written to
test-artifacts/fuzz_cases.json; schemathesis's JUnit report goes to test-artifacts/schemathesis-junit.xml.

(The CLI rather than schemathesis's pytest plugin: the plugin of schemathesis 4.32 fails under pytest 9.2.)
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from model.predictor import Predictor
from parley.config import Settings
from serve.app import create_app
from tests import fuzzing
from tests.live_server import live_server

pytestmark = pytest.mark.fuzz

MAX_EXAMPLES = 100  # per operation, in the generated-requests phase
SEED = 20261126  # a fixed seed: CI runs the same cases every time (change it to explore others)
TOKEN_ENV = "PARLEY_FUZZ_ADMIN_TOKEN"
TOKEN = "fuzzing-admin-token-0123456789"
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="module")
def api_url(tiny_model_dir, tmp_path_factory):
    """A live app with small limits, the admin and feedback endpoints enabled, and one reloadable model folder."""
    models_root = tmp_path_factory.mktemp("fuzz-models")
    shutil.copytree(tiny_model_dir, models_root / "tiny")
    settings = Settings.model_validate(
        {
            "model": {"path": str(tiny_model_dir)},
            "inference": {"device": "cpu", "backend": "torch"},
            "serving": {
                "max_body_bytes": 20_000,
                "max_segments_per_document": 50,
                "max_chars_per_segment": 200,
                "max_documents_per_batch": 4,
                "max_wait_ms": 1,
                "request_timeout_s": 10,
                "admin_token_env": TOKEN_ENV,
                "models_root": str(models_root),
            },
            # Feedback behind the same token as the admin endpoints, into a database of the test's own.
            "feedback": {
                "database_url": f"sqlite:///{tmp_path_factory.mktemp('fuzz-feedback') / 'feedback.sqlite3'}",
                "token_env": TOKEN_ENV,
                "max_items_per_request": 5,
            },
        }
    )
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    app = create_app(settings, Predictor.from_pretrained(tiny_model_dir, device="cpu"))
    monkeypatch.undo()
    with live_server(app) as url:
        yield url


def test_the_api_never_fails_on_generated_requests(api_url, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    junit = ARTIFACTS / "schemathesis-junit.xml"
    command = [
        str(Path(sys.executable).with_name("st")),
        "run",
        f"{api_url}/openapi.json",
        f"--max-examples={MAX_EXAMPLES}",
        f"--seed={SEED}",
        f"--checks={','.join(CHECKS)}",
        "--phases=examples,coverage,fuzzing",
        "--request-timeout=15",
        "--workers=1",
        "--no-color",
        "--report=junit",
        f"--report-junit-path={junit}",
        "--header",
        f"Authorization: Bearer {TOKEN}",
    ]
    # In a temporary folder: schemathesis keeps a cache of crashes (.schemathesis/) in its working folder.
    environment = {**os.environ, "NO_COLOR": "1"}
    run = subprocess.run(command, capture_output=True, text=True, timeout=300, env=environment, cwd=tmp_path)
    output = run.stdout + run.stderr
    print(output)
    cases = tried_cases(output)
    for _ in range(cases):
        fuzzing.tried("schemathesis (all operations)")
    assert run.returncode == 0, output[-6000:]
    assert cases > 0, output[-3000:]


def tried_cases(output: str) -> int:
    """The number of test cases schemathesis reports it generated ("Test cases: N generated, …")."""
    match = re.search(r"Test cases:\s*(\d+) generated", output)
    return int(match.group(1)) if match else 0
