"""The Hub: pushing folders and Spaces (`push`, the only module that talks to the Hub), model cards, Space files.

Import from the modules (`rnn_models.hub.<module>`): this `__init__` loads nothing, so importing one
module does not pull in the heavy ones beside it."""

__all__: list[str] = []
