"""Writing a whole folder (a model, an export) so that nothing half-written is ever in place."""

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def staged_folder(destination: Path) -> Iterator[Path]:
    """A temporary sibling of ``destination`` to write into.

    When the block ends without error it replaces ``destination`` (the old
    folder goes only once the new one is in place); on an error it is removed
    and ``destination`` is left as it was.
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}.", suffix=".partial", dir=destination.parent))
    staging.chmod(0o755)  # mkdtemp's 0700 would hide the folder from a server running as another user
    try:
        yield staging
        old = destination.with_name(f".{destination.name}.old") if destination.exists() else None
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
            destination.rename(old)
        staging.rename(destination)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
