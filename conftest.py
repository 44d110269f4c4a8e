"""Loaded by pytest before anything imports huggingface_hub / transformers / datasets.

Those libraries read their environment at import time, so the test session's isolation (offline, a
throw-away HF_HOME) must be in place first; tests/conftest.py then gives every test its own HF_HOME.
"""

import os
import tempfile

_SESSION_HOME = tempfile.mkdtemp(prefix="rnn-models-tests-hf-home-")
os.environ["HF_HOME"] = _SESSION_HOME
os.environ["HF_MODULES_CACHE"] = os.path.join(_SESSION_HOME, "modules")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
# Hypothesis keeps its examples in ./.hypothesis by default: the checkout; tests write only to temporary folders.
os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = os.path.join(_SESSION_HOME, "hypothesis")
os.environ["TOKENIZERS_PARALLELISM"] = "false"
os.environ["MPLBACKEND"] = "Agg"
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ.pop("HF_TOKEN", None)
