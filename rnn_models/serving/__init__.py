"""Serving: batched scoring, ONNX Runtime, scoring across processes, score files, the demo page.

Import from the modules (`rnn_models.serving.<module>`): this `__init__` loads nothing, so importing one
module does not pull in the heavy ones beside it."""

__all__: list[str] = []
