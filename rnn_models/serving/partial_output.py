"""An output file written chunk by chunk under a temporary name, resumable after a kill, renamed into place.

Beside ``scores.csv`` live ``.scores.csv.partial`` (the rows written so far) and ``.scores.csv.partial.json``
(the progress marker: the run's settings, how many chunks and bytes are complete, a digest of each chunk's
input rows). Each chunk's bytes are appended and fsync'd before the marker says they are there (the marker
is replaced atomically), so after a kill at any point the marker names a complete prefix: `PartialOutput.start`
with ``resume`` cuts the partial file back to it, and the run continues with the next chunk. `PartialOutput.publish`
renames the finished file into place, then removes the marker; an existing output is never replaced without
``overwrite``. A run killed between the two left a marker whose file is already in place: the next run
recognises it (the output is the marker's file) and clears it.
"""

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from .score_files import publish

__all__ = ["PartialOutput", "Progress"]


@dataclass
class Progress:
    """How far a run got: complete chunks, rows, bytes, each chunk's input digest, counts to report, and
    ``notes`` the command keeps for the end (the settings alone must match on ``--resume``)."""

    settings: dict
    chunks: int = 0
    rows: int = 0
    bytes: int = 0
    digests: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    notes: dict = field(default_factory=dict)


class PartialOutput:
    """The temporary file and progress marker of ``path`` (see the module docstring).

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     out = PartialOutput(Path(folder, "scores.csv"), {"model": "m"})
        ...     progress = out.start(resume=False)
        ...     out.append("id,toxic\\n", rows=0, digest="d0")
        ...     again = PartialOutput(Path(folder, "scores.csv"), {"model": "m"}).start(resume=True)
        ...     again.chunks, again.bytes, again.digests
        (1, 9, ['d0'])
    """

    def __init__(self, path: Path, settings: dict):
        self.path = Path(path)
        self.data = self.path.with_name(f".{self.path.name}.partial")
        self.marker = self.path.with_name(f".{self.path.name}.partial.json")
        self.progress = Progress(settings)
        self._handle = None

    def start(self, resume: bool) -> Progress:
        """Opens the partial file: after the complete prefix of an earlier run with ``resume``, else empty.

        Without ``resume``, an earlier run's partial file is an error (its rows would be lost); with it, the
        earlier run's settings must equal this run's."""
        earlier = self._read_marker()
        if earlier is not None and self._published(earlier):
            self.data.unlink(missing_ok=True)  # a second name of the output: never truncate it
            self.marker.unlink()
            earlier = None
        if earlier is not None and not resume:
            raise FileExistsError(
                f"{self.data} holds {earlier.rows:,} rows scored by an interrupted run for {self.path}; pass "
                "--resume to continue it, or delete it to start over"
            )
        if earlier is not None:
            for key in sorted(set(earlier.settings) | set(self.progress.settings)):
                then, now = earlier.settings.get(key), self.progress.settings.get(key)
                if then != now:
                    raise ValueError(
                        f"--resume: {self.data} was written with {key} {then!r}, this run has {now!r}; resume "
                        "with the settings and model it was written with, or delete it to start over"
                    )
            if not self.data.is_file() or self.data.stat().st_size < earlier.bytes:
                raise ValueError(
                    f"--resume: {self.data} is shorter than {self.marker} says; delete both to start over"
                )
            self.progress = earlier
        self._handle = self.data.open("r+b" if earlier is not None else "wb")
        self._handle.truncate(self.progress.bytes)  # bytes after the last complete chunk go
        self._handle.seek(self.progress.bytes)
        return self.progress

    def append(self, text: str, rows: int, digest: str, counts: dict[str, int] | None = None) -> None:
        """Appends one chunk's text, then records it as complete (data fsync'd first, then the marker)."""
        data = text.encode("utf-8")
        self._handle.write(data)
        self._handle.flush()
        os.fsync(self._handle.fileno())
        progress = self.progress
        progress.chunks += 1
        progress.rows += rows
        progress.bytes += len(data)
        progress.digests.append(digest)
        for key, value in (counts or {}).items():
            progress.counts[key] = progress.counts.get(key, 0) + value
        self._write_marker()

    def publish(self, overwrite: bool) -> Path:
        """Renames the finished file to ``path`` (never over an existing file without ``overwrite``) and
        removes the marker."""
        self.close()
        publish(self.data, self.path, overwrite)
        self.marker.unlink(missing_ok=True)
        return self.path

    def close(self) -> None:
        """Closes the partial file, leaving it and its marker for ``--resume``."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def _published(self, earlier: Progress) -> bool:
        """Whether the run that left the marker ``earlier`` had already put its file in place (killed after
        `publish` renamed it, before the marker went): ``path`` is the partial file itself, or the partial file
        is gone and ``path`` holds the marker's bytes."""
        if not self.path.is_file():
            return False
        if self.data.is_file():
            return os.path.samefile(self.data, self.path)  # linked into place, not yet unlinked
        return self.path.stat().st_size == earlier.bytes

    def _read_marker(self) -> Progress | None:
        if not self.marker.is_file():
            return None
        try:
            return Progress(**json.loads(self.marker.read_text(encoding="utf-8")))
        except (ValueError, TypeError) as error:
            raise ValueError(
                f"{self.marker}: not a progress marker ({error}); delete it and {self.data}"
            ) from error

    def _write_marker(self) -> None:
        tmp = self.marker.with_name(self.marker.name + ".tmp")
        with tmp.open("w", encoding="utf-8") as handle:
            json.dump(self.progress.__dict__, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.marker)
