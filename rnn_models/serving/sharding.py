"""Scoring across processes (``torchrun`` / ``accelerate launch``): which process this is, its share of the
work, and what the processes tell each other.

A table is scored in chunks of rows (`rnn_models.serving.chunked_scoring`): process ``rank`` of ``N`` scores
chunks ``rank, rank + N, rank + 2N, ...``, and after each round of ``N`` chunks every process gets every
chunk's result (`all_gather`), so all of them agree on when to stop and rank 0 alone writes the results, in
chunk order: the merged output equals one process's, byte for byte. `Shard.take` splits a list of batches
the same way (`rnn_models.serving.inference.predict_scores`). Without a launcher: one process, nothing distributed.

Every step the processes take together goes through `all_gather_checked` (`on_main`, `run_everywhere`): an
exception in one process, whatever its type, is raised in all of them, so none is left waiting for the others
in a collective until the launcher's timeout. A user error (``ValueError``, ``OSError``) is the same one line
everywhere; any other exception keeps its traceback where it happened and is `OtherProcessError` (one line)
in the others.
"""

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "OtherProcessError",
    "Shard",
    "all_gather",
    "all_gather_checked",
    "broadcast",
    "current_shard",
    "end_shard",
    "on_main",
    "run_everywhere",
]


class OtherProcessError(Exception):
    """Another scoring process failed with an unexpected error (its own output holds the traceback)."""


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


def all_gather(value, shard: Shard) -> list:
    """Every process's ``value``, in rank order, on every process (``[value]`` with one process).

    Example:
        >>> all_gather({"chunk": 0}, Shard())
        [{'chunk': 0}]
    """
    if shard.num_shards == 1:
        return [value]
    import torch.distributed as dist

    values = [None] * shard.num_shards
    dist.all_gather_object(values, value)
    return values


def broadcast(value, shard: Shard):
    """Rank 0's ``value`` on every process (what the others pass is ignored).

    Example:
        >>> broadcast(3, Shard())
        3
    """
    if shard.num_shards == 1:
        return value
    import torch.distributed as dist

    box = [value if shard.is_main else None]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def all_gather_checked(function: Callable[[], object], shard: Shard) -> list:
    """Every process's ``function()``, in rank order, on every process, once all have returned; an exception
    in any process is raised in every one (see the module docstring).

    Example:
        >>> all_gather_checked(lambda: "scored", Shard())
        ['scored']
    """
    failure = None
    try:
        outcome = (function(), None)
    except Exception as error:
        if shard.num_shards == 1:
            raise
        failure = error
        message = " ".join(str(error).split()) or type(error).__name__
        outcome = (None, (isinstance(error, (ValueError, OSError)), type(error).__name__, message))
    outcomes = all_gather(outcome, shard)
    if failure is not None:
        raise failure
    for rank, (_, error) in enumerate(outcomes):
        if error is not None:
            user_error, kind, message = error
            if user_error:
                raise ValueError(message)
            raise OtherProcessError(
                f"process {rank} of {shard.num_shards} failed with {kind}: {message} (its traceback is in its "
                "output)"
            )
    return [value for value, _ in outcomes]


def on_main(function: Callable[[], object], shard: Shard):
    """``function()`` run by rank 0 alone, and its result (or its error, raised) on every process.

    Example:
        >>> on_main(lambda: "ready", Shard())
        'ready'
    """
    return all_gather_checked(function if shard.is_main else (lambda: None), shard)[0]


def run_everywhere(function: Callable[[], object], shard: Shard):
    """``function()`` on every process, each keeping its own result (nothing sent: it may be a model); an
    error in any process is raised in all.

    Example:
        >>> run_everywhere(lambda: "loaded", Shard())
        'loaded'
    """
    results = []
    all_gather_checked(lambda: results.append(function()), shard)
    return results[0]


def end_shard(shard: Shard) -> None:
    """Leaves the process group `current_shard` joined (torch warns about a group left open at exit).

    Example:
        >>> end_shard(Shard())  # one process: no group to leave
    """
    if shard.num_shards > 1:
        import torch.distributed as dist

        if dist.is_initialized():
            dist.destroy_process_group()
