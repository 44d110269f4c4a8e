"""The `Trainer` that `rnn-models train` uses: transformers' own, with two things this model family needs.

1. Subnormal floats flushed to zero on the CPU while training. Backpropagating through hundreds of
   recurrent steps shrinks gradients geometrically into the subnormal range (below 1.2e-38), where x86
   floating-point units run many times slower: measured here, one lstm backward over 64 x 1,024 steps
   took 1.95 ms a step with subnormals and 0.39 ms flushed, and long comments made a training epoch
   several times slower than its token count says. Values that small carry no information.
2. Length-grouped batches that can stay mixed (``length_group_mega_batches``, see `sampling`).

3. The default preset's blend (`blend.RecurrentBlend`) measured afresh before every evaluation and save and at the
   end of training, so that what is logged, checkpointed and saved scores the weights it holds.

And `RNNTrainer.predict_in_row_order`: under ``group_by_length`` transformers batches the evaluation rows by
length too, so `predict` returns them in that order, not the dataset's.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch
from transformers import Trainer
from transformers.trainer_pt_utils import LengthGroupedSampler
from transformers.trainer_utils import PredictionOutput

from .blend import RecurrentBlend
from .sampling import MegaBatchLengthGroupedSampler

__all__ = ["RNNTrainer", "flush_denormals"]


@contextmanager
def flush_denormals() -> Iterator[bool]:
    """Inside the block, CPU float operations treat subnormal numbers as zero (yields whether supported).

    Example:
        >>> import torch
        >>> with flush_denormals():
        ...     torch.tensor([1e-323], dtype=torch.float64).item()
        0.0
        >>> torch.tensor([1e-323], dtype=torch.float64).item() > 0  # restored afterwards
        True
    """
    supported = torch.set_flush_denormal(True)
    try:
        yield supported
    finally:
        if supported:
            torch.set_flush_denormal(False)


class RNNTrainer(Trainer):
    """`Trainer` that trains with subnormals flushed to zero, whose length-grouped batches follow
    ``args.length_group_mega_batches`` (when set), and that keeps ``blend`` (a `RecurrentBlend`, or None) in
    step with the weights."""

    def __init__(self, *args, blend: RecurrentBlend | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.blend = blend
        if blend is not None and blend.collator is None:
            blend.collator = self.data_collator

    def _update_blend(self) -> None:
        if self.blend is not None:
            self.blend.update(self.accelerator.unwrap_model(self.model))

    def train(self, *args, **kwargs):
        with flush_denormals():
            output = super().train(*args, **kwargs)
        self._update_blend()  # the final weights (the best checkpoint's under load_best_model_at_end)
        return output

    def evaluate(self, *args, **kwargs):
        self._update_blend()
        return super().evaluate(*args, **kwargs)

    def predict(self, *args, **kwargs):
        self._update_blend()
        return super().predict(*args, **kwargs)

    def save_model(self, *args, **kwargs):
        self._update_blend()  # checkpoints too: Trainer._save_checkpoint saves through save_model
        return super().save_model(*args, **kwargs)

    def predict_in_row_order(self, dataset, **kwargs) -> PredictionOutput:
        """`predict`, with its predictions and labels put back in ``dataset``'s row order.

        `predict` returns the rows in its evaluation sampler's order: length-grouped batches under
        ``group_by_length``. That sampler's generator is seeded afresh each time it is built, so building it
        again gives the same order."""
        output = self.predict(dataset, **kwargs)
        sampler = self._get_eval_sampler(dataset)
        if sampler is None:  # several processes without length groups: sharded in order, gathered in order
            return output
        rows = np.argsort(np.fromiter(sampler, dtype=np.int64, count=len(dataset)))  # row i came rows[i]-th
        labels = None if output.label_ids is None else output.label_ids[rows]
        return output._replace(predictions=output.predictions[rows], label_ids=labels)

    def _get_train_sampler(self, train_dataset=None):
        sampler = super()._get_train_sampler(train_dataset)
        mega_batches = getattr(self.args, "length_group_mega_batches", None)
        if type(sampler) is LengthGroupedSampler and mega_batches:
            return MegaBatchLengthGroupedSampler(
                sampler.batch_size,
                lengths=sampler.lengths,
                generator=sampler.generator,
                mega_batch_mult=mega_batches,
            )
        return sampler
