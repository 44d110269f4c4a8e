"""Length-grouped batches that stay mixed: transformers' sampler with a smaller mega-batch.

transformers' `LengthGroupedSampler` shuffles the rows, cuts them into mega-batches of up to 50 batches
and sorts each by length, so every batch holds texts of nearly one length and runs almost no padding,
but where length goes with the label or the source (short tweets, long reviews) each batch
sees a skewed slice of the data and the model learns less: on the VADER snippets the lstm preset lost
0.007 ROC AUC against random batches. Sorting within a few batches (``length_group_mega_batches=4``)
recovered it there; it pads more than the default (figures in docs/benchmarks.md, "The notebook presets against Keras").
"""

import torch
from transformers.trainer_pt_utils import LengthGroupedSampler, get_length_grouped_indices

__all__ = ["MegaBatchLengthGroupedSampler"]


class MegaBatchLengthGroupedSampler(LengthGroupedSampler):
    """`LengthGroupedSampler` that sorts by length within random groups of ``mega_batch_mult`` batches.

    Example:
        >>> import torch
        >>> lengths = [5, 1, 4, 2, 3, 6, 7, 8]
        >>> sampler = MegaBatchLengthGroupedSampler(
        ...     2, lengths=lengths, mega_batch_mult=2, generator=torch.Generator().manual_seed(0)
        ... )
        >>> order = list(sampler)
        >>> sorted(order) == list(range(8)), [lengths[i] for i in order[:2]]  # the longest batch comes first
        (True, [8, 5])
    """

    def __init__(
        self,
        batch_size: int,
        dataset=None,
        lengths: list[int] | None = None,
        model_input_name: str | None = None,
        generator: torch.Generator | None = None,
        *,
        mega_batch_mult: int,
    ):
        super().__init__(
            batch_size,
            dataset=dataset,
            lengths=lengths,
            model_input_name=model_input_name,
            generator=generator,
        )
        self.mega_batch_mult = mega_batch_mult

    def __iter__(self):
        return iter(
            get_length_grouped_indices(
                self.lengths, self.batch_size, self.mega_batch_mult, generator=self.generator
            )
        )
