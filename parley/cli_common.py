"""What every `parley` command shares: the --config option, loading the settings, and the error style."""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from parley.config import CONFIG_ENV, DEFAULT_CONFIG_PATH, ConfigError, Settings, load_settings

stderr = Console(stderr=True, soft_wrap=True)

ConfigOption = Annotated[
    Path,
    typer.Option(
        "--config",
        "-c",
        envvar=CONFIG_ENV,
        show_default=False,
        help=f"YAML settings file; keys it leaves out keep their defaults ({DEFAULT_CONFIG_PATH.name} of the package).",
    ),
]


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``error: message`` on stderr; raise the returned exit (code 2: bad settings or usage)."""
    stderr.print(f"[red]error:[/red] {escape(message)}")
    return typer.Exit(code)


@contextmanager
def needs_extra(extra: str, command: str) -> Iterator[None]:
    """Around a command's imports: a missing optional dependency is an error that says what to install."""
    try:
        yield
    except ModuleNotFoundError as error:
        raise fail(
            f"`parley {command}` needs the [{extra}] extra, and {error.name} is not installed: "
            f"pip install 'parley[{extra}]' (or `make setup`, which installs it)"
        ) from error


def settings_or_exit(config: Path, overrides: Mapping[tuple[str, str], Any] | None = None) -> Settings:
    """The config file's settings (and the environment's), with the command line's options in place."""
    try:
        settings = load_settings(config)
        given = {key: value for key, value in (overrides or {}).items() if value is not None}
        if not given:
            return settings
        raw = settings.model_dump()
        for (section, key), value in given.items():
            raw[section][key] = value
        return Settings.model_validate(raw)
    except (ConfigError, ValidationError) as error:
        raise fail(str(error), 2) from error
