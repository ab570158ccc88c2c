"""Log lines that carry the id of the request they belong to.

The id lives in a context variable set by the request middleware, so any log
call made while a request is handled (including in the routes) is tagged with
it, without passing it around. Article text is never logged.
"""

import logging
from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("parley_request_id", default="-")

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


def configure_logging(level: str) -> None:
    """Log to stderr at ``level``, each line tagged with its request id."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(RequestIdFilter())
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
