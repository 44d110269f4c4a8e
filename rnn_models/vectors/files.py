"""Word-vector files on disk: which file (and zip member) and format, and its bytes, streamed in windows.

Plain files are memory-mapped, ``.gz`` / ``.zip`` are streamed; `drive` hands the bytes to a reader of
`.formats` one window at a time, with a tqdm bar by bytes for large files.
"""

import gzip
import mmap
import os
import re
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

__all__ = ["HEAD", "VectorFile", "describe_file", "drive", "open_stream", "read_head"]

WINDOW = 64 << 20  # bytes scanned between progress updates (and read per step from compressed files)
HEAD = 1 << 20  # bytes looked at to find the header and the vector width
PROGRESS_MIN_BYTES = 64 << 20  # progress=None shows a bar from this file size on


@dataclass(frozen=True)
class VectorFile:
    """A resolved vector file: where it is, how it is compressed, and which format it holds."""

    path: Path
    binary: bool
    compression: str = ""  # "", "gz" or "zip"
    member: str | None = None  # the zip member read

    @property
    def label(self) -> str:
        return f"{self.path}:{self.member}" if self.member else str(self.path)


def describe_file(path: str | os.PathLike, member: str | None = None, dim: int | None = None) -> VectorFile:
    """Resolves ``path`` (and, for a ``.zip``, the member to read) and the format from the suffixes.

    ``.bin`` is word2vec binary; anything else is text (GloVe, or word2vec / fastText with a header).
    A zip with several vector files needs ``member=`` or ``dim=`` (picks the member named ``...{dim}d...``).
    """
    path = Path(path).expanduser().resolve()
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such word-vector file")
    name = path.name.lower()
    if name.endswith(".zip"):
        with zipfile.ZipFile(path) as archive:
            member = choose_member(path, archive.namelist(), member, dim)
        return VectorFile(path, member.lower().endswith(".bin"), "zip", member)
    compression = "gz" if name.endswith(".gz") else ""
    inner = name.removesuffix(".gz")
    return VectorFile(path, inner.endswith(".bin"), compression)


def choose_member(path: Path, names: list[str], member: str | None, dim: int | None) -> str:
    files = [n for n in names if not n.endswith("/")]
    if member is not None:
        if member not in files:
            raise ValueError(f"{path} has no member {member!r}; it holds {', '.join(files)}")
        return member
    candidates = [n for n in files if n.lower().endswith((".txt", ".vec", ".bin"))] or files
    if dim is not None:
        candidates = [n for n in candidates if re.search(rf"(?<![0-9]){dim}d(?![a-z0-9])", n.lower())]
    if len(candidates) != 1:
        raise ValueError(
            f"{path} holds {', '.join(files) or 'no files'}; choose one with member=... (or dim=... to pick "
            "the member named like 'glove.6B.50d.txt')"
        )
    return candidates[0]


@contextmanager
def open_stream(vf: VectorFile) -> Iterator[tuple[Any, int, Callable[[], int]]]:
    """``(binary stream of the decompressed bytes, total for progress, position for progress)``."""
    with open(vf.path, "rb") as raw:
        if vf.compression == "zip":
            with zipfile.ZipFile(raw) as archive, archive.open(vf.member) as stream:
                yield stream, archive.getinfo(vf.member).file_size, stream.tell
        elif vf.compression == "gz":
            with gzip.GzipFile(fileobj=raw) as stream:
                yield stream, os.fstat(raw.fileno()).st_size, raw.tell
        else:
            yield raw, os.fstat(raw.fileno()).st_size, raw.tell


def read_head(vf: VectorFile, size: int = HEAD) -> bytes:
    with open_stream(vf) as (stream, _, _):
        return stream.read(size)


def drive(
    vf: VectorFile, start: int, step: Callable[[Any, int, int, bool], int], progress: bool | None
) -> None:
    """Feeds the file's bytes from offset ``start`` to ``step(buffer, pos, stop, eof) -> consumed``.

    ``step`` consumes whole units (lines, records) of ``buffer[pos:stop]`` and returns where it stopped;
    with ``eof`` it must consume everything. A plain file is one memory map handed over in windows (no
    copies); a compressed one comes in chunks, the unconsumed tail carried over to the next.
    """
    with open_stream(vf) as (stream, total, position):
        show = total >= PROGRESS_MIN_BYTES if progress is None else progress
        with tqdm(
            total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=vf.path.name, disable=not show
        ) as bar:
            mapped = _map(stream) if not vf.compression else None
            if mapped is not None:
                with mapped:
                    pos = stop = start
                    while True:
                        stop = min(stop + WINDOW, len(mapped))
                        pos = step(mapped, pos, stop, stop == len(mapped))
                        bar.update(stop - bar.n)
                        if stop == len(mapped):
                            return
            carry, skip = b"", start
            while True:
                chunk = stream.read(WINDOW)
                buffer = carry + chunk if carry else chunk
                pos = step(buffer, skip, len(buffer), not chunk)
                carry, skip = buffer[pos:], 0
                bar.update(position() - bar.n)
                if not chunk:
                    return


def _map(stream: Any) -> mmap.mmap | None:
    try:
        return mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):  # empty file, or a file system without mmap: stream it instead
        return None
