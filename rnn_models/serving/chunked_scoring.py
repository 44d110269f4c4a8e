"""Scoring a table chunk by chunk: bounded memory whatever its size, shared among processes, resumable.

A chunk (`rnn_models.text.table_chunks.TableChunk`, ``--chunk_rows`` rows) is tokenized and scored on its own,
in length-sorted batches inside the chunk, so memory holds one chunk at a time and a chunk's scores depend
only on its rows: any number of processes, and a run resumed after a kill, give the same bytes. Process
``rank`` of ``N`` scores chunks ``rank, rank + N, ...``; after each round of ``N`` chunks every process gets
every result (`rnn_models.serving.sharding.all_gather_checked`), in chunk order, so all agree on the end, on an
error (of any type, in any process), and on a resumed run's input, and rank 0 alone writes.
"""

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice

from ..text.table_chunks import TableChunk
from .sharding import Shard, all_gather_checked

__all__ = ["ChunkResult", "chunk_digest", "scored_rounds"]


@dataclass
class ChunkResult:
    """What became of one chunk: its place, its input digest, the rows without text, and ``payload`` (what
    the command's ``work`` made of it; None for a chunk an earlier run completed)."""

    index: int
    first_row: int
    num_rows: int
    digest: str
    missing_texts: int
    payload: object = None


def chunk_digest(chunk: TableChunk) -> str:
    """A digest of a chunk's keys, texts and labels: a resumed run checks its input is the same.

    Example:
        >>> chunk_digest(TableChunk(0, 0, 1, texts=["hi"])) == chunk_digest(TableChunk(0, 0, 1, texts=["ho"]))
        False
    """
    content = json.dumps([chunk.first_row, chunk.keys, chunk.texts, chunk.labels], default=str)
    return hashlib.blake2b(content.encode("utf-8"), digest_size=16).hexdigest()


def scored_rounds(
    chunks: Iterable[TableChunk],
    work: Callable[[TableChunk], object],
    shard: Shard,
    done_digests: Sequence[str] = (),
) -> Iterator[list[ChunkResult]]:
    """Rounds of `ChunkResult`, in chunk order, the same on every process; ``work(chunk)`` runs for this
    process's chunks only (``chunks`` holds rows for those: see ``wanted`` in `iter_table_chunks`).

    The first ``len(done_digests)`` chunks were completed by an earlier run: they are read and compared
    with its digests, not scored. An error in any process (a broken row, a bad label, a bug) is raised in all.

    Example:
        >>> chunks = [TableChunk(i, 2 * i, 2, texts=["a", ""]) for i in range(3)]
        >>> [[(r.index, r.missing_texts, r.payload) for r in results]
        ...  for results in scored_rounds(chunks, lambda c: len(c.texts), Shard())]
        [[(0, 1, 2)], [(1, 1, 2)], [(2, 1, 2)]]
    """
    iterator = iter(chunks)

    def this_process() -> tuple[int, ChunkResult | None]:
        round_chunks = list(islice(iterator, shard.num_shards))
        mine = round_chunks[shard.rank] if shard.rank < len(round_chunks) else None
        return len(round_chunks), mine and _result(mine, work, len(done_digests))

    while True:
        outcomes = all_gather_checked(this_process, shard)
        if outcomes[0][0] == 0:
            return
        results = [result for _, result in outcomes if result is not None]
        for result in results:
            if result.index < len(done_digests) and result.digest != done_digests[result.index]:
                last = result.first_row + result.num_rows
                raise ValueError(
                    f"--resume: data rows {result.first_row + 1:,}-{last:,} differ from the ones the interrupted "
                    "run scored; the table changed: delete the partial output to start over"
                )
        yield results


def _result(chunk: TableChunk, work: Callable[[TableChunk], object], done: int) -> ChunkResult:
    missing = sum(1 for text in chunk.texts if not text)
    payload = None if chunk.index < done else work(chunk)
    return ChunkResult(chunk.index, chunk.first_row, chunk.num_rows, chunk_digest(chunk), missing, payload)
