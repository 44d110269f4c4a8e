"""Same as `rnn-models train ...` (one implementation): `python scripts/train.py --preset gru ...`."""

import sys

from rnn_models.commands.cli import main

if __name__ == "__main__":
    sys.exit(main(["train", *sys.argv[1:]]))
