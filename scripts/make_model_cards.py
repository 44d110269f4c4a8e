"""Renders the reference models' cards in model_cards/reference/ (demo-data figures); ``--train`` retrains.

Each folder ``model_cards/reference/toxic-{preset}-demo/`` holds what the card is rendered from, as
``rnn-models train`` wrote it (``config.json``, ``eval_results.json``, ``run_args.json``, the card's
hyper-parameters from ``training_args.json``, ``roc_curve.png``; ``vectors_words.json`` and
``explained_example.json`` from a retraining on, their absence read as no words from the vectors and no explained
comment) and the card itself, ``README.md``.

    python scripts/make_model_cards.py            # re-render the cards from the committed facts (seconds)
    python scripts/make_model_cards.py --train    # retrain the presets on the demo data first (minutes)
    python scripts/make_model_cards.py --check    # exit 1 if a committed card differs from its rendering

The training recipe is the reference recipe (docs/training.md, "The recipe and its defaults") on the shipped
demo data (1,500 real Jigsaw comments), with glove-6b-50d in place of glove.840B.300d; the figures are demo
figures, and the cards say so.
"""

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

from rnn_models.commands.train import run_train_command
from rnn_models.hub.card_facts import HYPERPARAMETERS, card_facts_from_folder
from rnn_models.hub.model_card import render_model_card
from rnn_models.training.outputs import atomic_write_text

REFERENCE = Path(__file__).resolve().parent.parent / "model_cards" / "reference"
PRESETS = ("bilstm_ngrams", "bigru_ngrams", "lstm", "gru", "bilstm")
RECIPE = [
    "--max_rows", "12000", "--validation_split", "0.2", "--split_seed", "42",
    "--fit_tokenizer_on", "train+validation", "--vectors", "glove-6b-50d", "--report_to", "none",
]  # fmt: skip
FACTS = (
    "config.json", "eval_results.json", "run_args.json", "roc_curve.png", "vectors_words.json",
    "explained_example.json",
)  # fmt: skip


def folder_name(preset: str) -> str:
    return f"toxic-{preset}-demo"


def train_facts(preset: str, target: Path) -> None:
    """Trains ``preset`` on the demo data and copies the facts the card is rendered from into ``target``."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / folder_name(preset)
        run_train_command(["--preset", preset, *RECIPE, "--output_dir", str(out)])
        target.mkdir(parents=True, exist_ok=True)
        for name in FACTS:
            shutil.copy2(out / name, target / name)
        training = json.loads((out / "training_args.json").read_text(encoding="utf-8"))
        kept = {name: training[name] for name in HYPERPARAMETERS if name in training}
        atomic_write_text(target / "training_args.json", json.dumps(kept, indent=2) + "\n")


def render(folder: Path) -> str:
    """The card of a reference folder, from its committed facts (the repo id is the folder's name)."""
    return render_model_card(card_facts_from_folder(folder, folder.name))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", action="store_true", help="retrain the presets first (minutes on 2 cores)")
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 on a stale card")
    parser.add_argument("--presets", nargs="+", choices=PRESETS, default=list(PRESETS))
    args = parser.parse_args()
    stale = []
    for preset in args.presets:
        folder = REFERENCE / folder_name(preset)
        if args.train:
            train_facts(preset, folder)
        card, readme = render(folder), folder / "README.md"
        if args.check:
            if not readme.is_file() or readme.read_text(encoding="utf-8") != card:
                stale.append(str(readme))
            continue
        atomic_write_text(readme, card)
        print(f"wrote {readme}")
    if stale:
        print(f"stale cards (run python scripts/make_model_cards.py): {', '.join(stale)}", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
