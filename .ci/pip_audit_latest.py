"""pip-audit, reading PyPI's project-level JSON when its per-version feed is out of reach.

pip-audit's PyPI service asks https://pypi.org/pypi/NAME/VERSION/json for the vulnerabilities of
each installed version. Where CI runs, that route answers 404 while https://pypi.org/pypi/NAME/json
answers. The project-level document carries the vulnerabilities of the project's *latest release*
only (PyPI's JSON API describes it "at the latest version"), so a package is audited here exactly
when the installed version is the latest release; any other version is reported by pip-audit as
skipped, with the reason, never as clean.

Everything else (arguments, dependency collection, output formats, exit status) is pip-audit's own
command line, run with this service in place of its PyPI one:

    python .ci/pip_audit_latest.py --skip-editable -f json -o report.json
"""

from __future__ import annotations

import re

import requests
from packaging.version import Version
from pip_audit import _cli
from pip_audit._service import Dependency, PyPIService, SkippedDependency, VulnerabilityResult

_PER_VERSION_DOCUMENT = re.compile(r"^(https://pypi\.org/pypi/[^/]+)/[^/]+/json$")


class _ProjectDocuments:
    """A session whose GET of a per-version document fetches the project-level one instead.

    It keeps the last answer: the service reads each project's document twice in a row (its latest
    release, then its vulnerabilities), and one GET serves both.
    """

    def __init__(self, session: requests.Session) -> None:
        self._session = session
        self._last: tuple[str, requests.Response] | None = None

    def get(self, url: str, **kwargs) -> requests.Response:
        url = _PER_VERSION_DOCUMENT.sub(r"\1/json", url)
        if self._last is None or self._last[0] != url:
            self._last = (url, self._session.get(url=url, **kwargs))
        return self._last[1]


class LatestReleaseFeed(PyPIService):
    """pip-audit's PyPI service on the project-level feed: audits latest releases, skips the rest."""

    def __init__(self, cache_dir=None, timeout: int | None = None, **kwargs) -> None:
        super().__init__(cache_dir=cache_dir, timeout=timeout, **kwargs)
        self.session = _ProjectDocuments(self.session)

    def query(self, spec: Dependency) -> tuple[Dependency, list[VulnerabilityResult]]:
        if not spec.is_skipped():
            latest = self._latest_release(spec)
            if latest is not None and latest != spec.version:
                reason = (
                    f"{spec.canonical_name} {spec.version} is not the latest release ({latest}), and only the "
                    "latest release's vulnerabilities are reachable from here (PyPI's project-level JSON)"
                )
                return SkippedDependency(name=spec.name, skip_reason=reason), []
        # Unknown projects, network errors and the vulnerabilities themselves: pip-audit's own handling.
        return super().query(spec)

    def _latest_release(self, spec: Dependency) -> Version | None:
        try:
            response = self.session.get(url=f"https://pypi.org/pypi/{spec.canonical_name}/json", timeout=self.timeout)
            response.raise_for_status()
            return Version(response.json()["info"]["version"])
        except (requests.RequestException, ValueError, KeyError):  # not on PyPI, no answer, odd document
            return None


def main() -> None:
    _cli.PyPIService = LatestReleaseFeed  # the name pip-audit's CLI builds its default service from
    _cli.audit()


if __name__ == "__main__":
    main()
