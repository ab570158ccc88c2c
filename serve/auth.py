"""Bearer tokens from the environment, for the endpoints that are not open to everyone (admin, feedback).

A token is read from an environment variable, never from the YAML file, and must be 16 characters or more.
It is compared in constant time, through digests of equal length, so that neither the token nor its length
leaks through timing.
"""

import hashlib
import hmac
import ipaddress
import os

from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from parley.config import ConfigError
from serve.errors import ApiError

MIN_TOKEN_LENGTH = 16
# Declares the bearer scheme in the OpenAPI docs; the tokens themselves are checked by `check_bearer`.
bearer = HTTPBearer(auto_error=False, description="A token from the server's environment (see the endpoint).")


def token_from_environment(name: str | None) -> str | None:
    """The token in the variable ``name``, or None when it is unset or empty.

    A token shorter than ``MIN_TOKEN_LENGTH`` is a configuration error (``parley serve`` refuses to start).
    """
    token = os.environ.get(name, "") if name else ""
    if not token:
        return None
    if len(token) < MIN_TOKEN_LENGTH:
        raise ConfigError(f"the token in ${name} is shorter than {MIN_TOKEN_LENGTH} characters; use a long one")
    return token


def check_bearer(credentials: HTTPAuthorizationCredentials | None, token: str) -> None:
    """401 unless the request's ``Authorization: Bearer`` token is ``token``."""
    given = credentials.credentials if credentials is not None else ""
    if not hmac.compare_digest(_digest(given), _digest(token)):
        raise ApiError(
            401,
            "unauthorized",
            "a valid `Authorization: Bearer TOKEN` header is required",
            headers={"WWW-Authenticate": "Bearer"},
        )


def is_loopback(host: str) -> bool:
    """Whether a server bound to ``host`` can be reached from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name: it may resolve to anything
        return False


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).digest()
