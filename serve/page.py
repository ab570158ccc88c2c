"""The web page at `/`: paste a page's text and read it back with every sentence's labels.

Plain static files in ``serve/static`` (no build step) that call `POST /v1/classify`. They are served by
routes, not a mounted StaticFiles app, so that their requests are logged and counted by route like the API's.
"""

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from serve.errors import ApiError

STATIC = Path(__file__).with_name("static")
ASSETS = ("app.css", "app.js")
# The page loads nothing from elsewhere and runs no inline script or style.
CONTENT_SECURITY_POLICY = "default-src 'self'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'"

router = APIRouter(include_in_schema=False)


@router.get("/")
def index() -> FileResponse:
    return FileResponse(STATIC / "index.html", headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY})


@router.get("/static/{name}")
def asset(name: str) -> FileResponse:
    if name not in ASSETS:
        raise ApiError(404, "not_found", f"no file {name!r} in the web page's files")
    return FileResponse(STATIC / name)
