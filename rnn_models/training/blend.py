"""The recurrent part's weight in the default preset's logit, measured out of sample, one per label.

The logit is the linear part's plus ``config.recurrent_logit_scale[k]`` times the recurrent part's. The two
parts' logits live on different scales (a regularised linear model's are small), so each label's scale puts
the recurrent logits at ``weight`` times the linear logits' spread (standard deviation). Both spreads are
measured on rows neither part was fitted on: a held-out slice of the training rows (``blend_rows``) that the
network never trains on, and the linear part's out-of-fold logits for them (models of the cross-validation
that never saw the row). Measured on rows both parts were fitted on, the spreads are those of fitted rows:
larger, by how much each part overfits, not as on new text.

`RecurrentBlend.update` sets the scales from the model's current weights; `RNNTrainer` calls it before every
evaluation, every save and at the end of training, so a logged figure, a checkpoint and the saved folder all
score the blend of the weights they hold.
"""

from collections.abc import Sequence

import numpy as np
import torch

__all__ = ["RecurrentBlend", "blend_scales", "split_blend_rows"]


def blend_scales(linear: np.ndarray, recurrent: np.ndarray, weight: float) -> list[float]:
    """Per label, the ``recurrent_logit_scale`` that gives the recurrent part ``weight`` times the linear part's
    spread, from both parts' ``(rows, labels)`` logits on the same rows (0 where the recurrent logits are flat).

    Example:
        >>> blend_scales(np.array([[-1.0, 2.0], [1.0, -2.0]]), np.array([[-4.0, 1.0], [4.0, -1.0]]), 0.5)
        [0.125, 1.0]
    """
    linear_spread, recurrent_spread = np.std(linear, axis=0), np.std(recurrent, axis=0)
    return [
        0.0 if r == 0 else float(weight * s / r) for s, r in zip(linear_spread, recurrent_spread, strict=True)
    ]


def split_blend_rows(num_rows: int, share: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``(rows the network trains on, held-out rows for the blend)``: a seeded random ``share`` of ``num_rows``
    (at least one row each side when ``share > 0``), both sorted.

    Example:
        >>> [rows.tolist() for rows in split_blend_rows(10, 0.2, seed=0)]
        [[0, 1, 2, 3, 5, 7, 8, 9], [4, 6]]
    """
    held = 0 if share <= 0 else min(max(1, round(num_rows * share)), num_rows - 1)
    order = np.random.default_rng(seed).permutation(num_rows)
    return np.sort(order[held:]), np.sort(order[:held])


class RecurrentBlend:
    """Sets ``config.recurrent_logit_scale`` per label from the held-out rows ``held_out`` (a tokenized dataset)
    and the linear part's out-of-fold logits for them (``(rows, labels)``)."""

    def __init__(self, held_out, linear_logits: np.ndarray, weight: float, batch_size: int, collator=None):
        drop = [c for c in ("labels", "length") if c in held_out.column_names]
        self.rows = held_out.remove_columns(drop)
        self.linear_logits, self.weight = np.asarray(linear_logits), weight
        self.batch_size, self.collator = batch_size, collator
        self.scales: list[float] = []

    def recurrent_logits(self, model: torch.nn.Module) -> np.ndarray:
        """The recurrent part's ``(rows, labels)`` logits on the held-out rows, in eval mode."""
        was_training = model.training
        model.eval()
        logits = []
        with torch.no_grad():
            for start in range(0, len(self.rows), self.batch_size):
                batch = self.collator(
                    list(self.rows.select(range(start, min(start + self.batch_size, len(self.rows)))))
                )
                batch = {k: v.to(model.device) for k, v in batch.items()}
                logits.append(model.part_logits(**batch)[0].float().cpu().numpy())
        model.train(was_training)
        return np.concatenate(logits)

    def update(self, model: torch.nn.Module) -> Sequence[float]:
        """Measures and sets the scales for ``model``'s current weights; returns them."""
        self.scales = blend_scales(self.linear_logits, self.recurrent_logits(model), self.weight)
        model.config.recurrent_logit_scale = list(self.scales)
        return self.scales

    def record(self, label_names: Sequence[str]) -> dict:
        """What the blend measured, for the folder's run record and its card."""
        return {
            "held_out_rows": len(self.rows),
            "recurrent_weight": self.weight,
            "linear_spread": dict(zip(label_names, np.std(self.linear_logits, axis=0).tolist(), strict=True)),
            "recurrent_logit_scale": dict(zip(label_names, self.scales, strict=True)),
        }
