"""Training: the main job (`train`), the Trainer, the batch sampler, metrics, the finished folder, the summary.

Import from the modules (`rnn_models.training.<module>`): this `__init__` loads nothing, so importing one
module does not pull in the heavy ones beside it."""

__all__: list[str] = []
