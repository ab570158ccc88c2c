"""CI's pip-audit on PyPI's project-level feed (.ci/pip_audit_latest.py), against canned PyPI answers."""

import importlib.util
import json
from pathlib import Path

import pytest
import requests
from packaging.version import Version
from pip_audit._service import PyPIService, ResolvedDependency, SkippedDependency

ROOT = Path(__file__).resolve().parent.parent


def load_launcher():
    spec = importlib.util.spec_from_file_location("pip_audit_latest", ROOT / ".ci" / "pip_audit_latest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


launcher = load_launcher()


class CannedPyPI:
    """Answers like pypi.org where only /pypi/NAME/json is reachable; records what was asked."""

    def __init__(self, projects: dict[str, dict]):
        self.projects = projects
        self.asked: list[str] = []

    def get(self, url: str, timeout=None) -> requests.Response:
        self.asked.append(url)
        response = requests.Response()
        response.url = url
        name = url.removeprefix("https://pypi.org/pypi/").removesuffix("/json")
        if name in self.projects:
            response.status_code = 200
            response._content = json.dumps(self.projects[name]).encode()
        else:
            response.status_code = 404
            response._content = b""
        return response


def project(latest: str, vulnerabilities: list[dict]) -> dict:
    return {"info": {"version": latest}, "vulnerabilities": vulnerabilities}


ADVISORY = {
    "id": "PYSEC-0000-1",
    "aliases": ["GHSA-xxxx-yyyy-zzzz"],
    "summary": "Signature malleability",
    "fixed_in": [],
    "withdrawn": None,
}


@pytest.fixture
def pypi():
    return CannedPyPI({"ecdsa": project("0.19.2", [ADVISORY]), "numpy": project("2.5.5", [])})


@pytest.fixture
def service(pypi, tmp_path):
    feed = launcher.LatestReleaseFeed(cache_dir=tmp_path)
    feed.session = launcher._ProjectDocuments(pypi)
    return feed


def test_a_latest_release_is_audited_from_the_project_document(service, pypi):
    spec, vulnerabilities = service.query(ResolvedDependency(name="ecdsa", version=Version("0.19.2")))
    assert spec.version == Version("0.19.2")
    assert [v.id for v in vulnerabilities] == ["PYSEC-0000-1"]
    assert vulnerabilities[0].aliases == {"GHSA-xxxx-yyyy-zzzz"}
    # One GET of the project-level document; the per-version route pip-audit would use is never asked for.
    assert pypi.asked == ["https://pypi.org/pypi/ecdsa/json"]


def test_an_older_version_is_skipped_with_the_reason_not_reported_clean(service):
    spec, vulnerabilities = service.query(ResolvedDependency(name="numpy", version=Version("2.4.6")))
    assert isinstance(spec, SkippedDependency)
    assert "numpy 2.4.6 is not the latest release (2.5.5)" in spec.skip_reason
    assert vulnerabilities == []


def test_the_latest_releases_advisories_are_not_pinned_on_an_older_version(service):
    spec, vulnerabilities = service.query(ResolvedDependency(name="ecdsa", version=Version("0.18.0")))
    assert isinstance(spec, SkippedDependency)
    assert vulnerabilities == []


def test_a_project_missing_from_pypi_is_skipped_as_pip_audit_does(service):
    spec, vulnerabilities = service.query(ResolvedDependency(name="not-on-pypi", version=Version("1.0")))
    assert isinstance(spec, SkippedDependency)
    assert "not found on PyPI" in spec.skip_reason
    assert vulnerabilities == []


def test_the_cli_builds_its_default_service_from_the_name_the_launcher_replaces():
    # If a pip-audit upgrade renames it, the launcher would silently run the per-version feed.
    assert launcher._cli.PyPIService is PyPIService
