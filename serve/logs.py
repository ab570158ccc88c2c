"""Log lines that carry the id of the request they belong to.

The id lives in a context variable set by the request middleware, so any log
call made while a request is handled (including in the routes) is tagged with
it, without passing it around.

Article text is logged only at debug level (``serving.log_level: debug``): the
request lines carry the method, route, status and time, never the body, and an
unexpected error is logged at other levels with its traceback but without its
message, which may quote the input (a validation error's ``input_value``).
"""

import logging
import traceback
from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("parley_request_id", default="-")

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


def log_error(logger: logging.Logger, message: str, *args: object, error: BaseException) -> None:
    """Log ``error`` under ``message``: in full at debug level, else its type and traceback but not its text."""
    if logger.isEnabledFor(logging.DEBUG):
        logger.error(message, *args, exc_info=error)
        return
    frames = "".join(traceback.format_tb(error.__traceback__)).rstrip()
    logger.error(
        message + "\n%s\n%s (its message is logged at debug level only: it may quote the input)",
        *args,
        frames,
        type(error).__qualname__,
    )


def configure_logging(level: str) -> None:
    """Log to stderr at ``level``, each line tagged with its request id."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(RequestIdFilter())
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
