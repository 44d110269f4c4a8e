"""``python -m rnn_models ...`` is the ``rnn-models`` command (as launchers such as ``torchrun -m`` need it)."""

import sys

from .commands.cli import main

if __name__ == "__main__":
    sys.exit(main())
