"""Side-by-side benchmarks against the Keras reference: ``python scripts/benchmark.py {tokenizer,text_features,vectors,train,quality,serving,recurrence,vocab,explain,cost} ...``.

Each subcommand lives in ``scripts/bench_<name>.py`` with a ``main(argv)``; ``--help`` after the
subcommand lists its options. Results are ratios from one run (ours / reference) plus absolute figures.
"""

import importlib
import sys
from pathlib import Path

SUBCOMMANDS = (
    "tokenizer",
    "text_features",
    "vectors",
    "train",
    "quality",
    "serving",
    "recurrence",
    "vocab",
    "explain",
    "cost",
)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in SUBCOMMANDS:
        print(f"usage: benchmark.py {{{','.join(SUBCOMMANDS)}}} [options]", file=sys.stderr)
        return 2
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    module = importlib.import_module(f"bench_{argv[0]}")
    return module.main(argv[1:]) or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
