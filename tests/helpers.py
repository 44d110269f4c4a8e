"""Helpers for running code where rnn-models cannot be imported (as for a Hub user without it)."""

import os
import subprocess
import sys
import textwrap

# Put first in a child interpreter: any import of rnn_models fails, so only the saved code can be used.
BLOCK_RNN_MODELS = """
import sys
class _BlockRnnModels:
    def find_spec(self, name, path=None, target=None):
        if name == "rnn_models" or name.startswith("rnn_models."):
            raise ImportError("rnn_models is blocked in this test")
        return None
sys.meta_path.insert(0, _BlockRnnModels())
"""


def run_without_rnn_models(code: str, env: dict[str, str] | None = None, timeout: float = 300) -> str:
    """Runs ``code`` in a fresh interpreter where ``import rnn_models`` fails; returns stdout."""
    program = BLOCK_RNN_MODELS + textwrap.dedent(code)
    child_env = {**os.environ, **(env or {})}
    child_env.pop("PYTHONPATH", None)
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, env=child_env, timeout=timeout
    )
    if result.returncode != 0:
        raise AssertionError(f"child failed ({result.returncode}):\n{result.stderr[-4000:]}")
    return result.stdout
