"""Scoring across processes (``torchrun`` / ``accelerate launch``): which process this is, its share of the
batches, and the scores of all shares merged on rank 0.

Every process reads the whole table and plans the same length-sorted batches; process ``rank`` of ``N``
scores batches ``rank, rank + N, rank + 2N, ...``. So every share mixes short and long texts (similar work
per process), and every row is scored in the very batch one process would put it in: the merged scores
equal one process's, bit for bit. Rank 0 gathers the shares (``torch.distributed.gather_object``) and is the
only process that prints or writes. Without a launcher: one process, nothing distributed.
"""

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Shard", "current_shard", "end_shard", "gather_scores"]


@dataclass(frozen=True)
class Shard:
    """This process's place among ``num_shards`` scoring processes, and the device it scores on.

    Example:
        >>> batches = [np.arange(3), np.arange(3, 5), np.arange(5, 6)]
        >>> [(rows.tolist(), round_rows) for rows, round_rows in Shard(1, 2).take(batches)]
        [([3, 4], 5)]
    """

    rank: int = 0
    num_shards: int = 1
    device: str | None = None  # None: CUDA when present, else the CPU

    @property
    def is_main(self) -> bool:
        """Whether this process prints and writes the results (rank 0)."""
        return self.rank == 0

    def take(self, batches: Sequence[np.ndarray]) -> list[tuple[np.ndarray, int]]:
        """This process's batches, each with the rows of its round (the batches that all processes score
        side by side): what a progress bar over all the rows advances by when this batch is done."""
        first_of_round = range(0, len(batches), self.num_shards)
        rounds = [
            (start, sum(len(b) for b in batches[start : start + self.num_shards])) for start in first_of_round
        ]
        return [
            (batches[start + self.rank], rows) for start, rows in rounds if start + self.rank < len(batches)
        ]


def current_shard() -> Shard:
    """This process's `Shard`: under ``torchrun`` / ``accelerate launch`` (``WORLD_SIZE`` > 1) through accelerate's
    ``PartialState``, which also joins the process group (gloo on CPUs, NCCL on GPUs: one GPU per process);
    otherwise ``Shard()``, one process.

    Example:
        >>> current_shard() if "WORLD_SIZE" not in os.environ else Shard()
        Shard(rank=0, num_shards=1, device=None)
    """
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return Shard()
    import torch
    from accelerate import PartialState

    state = PartialState(cpu=not torch.cuda.is_available())
    return Shard(state.process_index, state.num_processes, str(state.device))


def gather_scores(scores: np.ndarray, shard: Shard) -> np.ndarray | None:
    """On rank 0, the scores of every row, each from the process that scored it; None on the other ranks.

    ``scores`` holds NaN in the rows other processes score (as `rnn_models.serving.inference.predict_scores` leaves
    them); only the rows this process scored travel. With one process, ``scores`` itself.

    Example:
        >>> gather_scores(np.array([[0.5]]), Shard())
        array([[0.5]])
    """
    if shard.num_shards == 1:
        return scores
    import torch.distributed as dist

    rows = np.flatnonzero(~np.isnan(scores).all(axis=1))  # (rows scored here,)
    shares = [None] * shard.num_shards if shard.is_main else None
    dist.gather_object((rows, scores[rows]), shares, dst=0)
    if not shard.is_main:
        return None
    merged = np.full_like(scores, np.nan)
    for share_rows, values in shares:
        merged[share_rows] = values
    return merged


def end_shard(shard: Shard) -> None:
    """Leaves the process group `current_shard` joined (torch warns about a group left open at exit).

    Example:
        >>> end_shard(Shard())  # one process: no group to leave
    """
    if shard.num_shards > 1:
        import torch.distributed as dist

        if dist.is_initialized():
            dist.destroy_process_group()
