"""``rnn-models train`` / ``scripts/train.py``: arguments, training, and the finished model folder."""

import shutil
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from transformers import HfArgumentParser

from ..hub.card_facts import card_facts_from_folder
from ..hub.model_card import render_model_card
from ..hub.push import push_folder
from ..serving.explained_example import write_explained_example
from ..training.job import DataArguments, ModelArguments, RNNTrainingArguments, TrainingRun, train
from ..training.outputs import eval_results, plot_roc_curves, publish_folder, summary_table, write_json

__all__ = ["parse_train_args", "run_train_command", "save_run"]

STAGING = ".final-staging"


def parse_train_args(argv: list[str]) -> tuple[ModelArguments, DataArguments, RNNTrainingArguments]:
    """Command-line options, or a single JSON / YAML file holding them.

    Example:
        >>> model_args, data_args, args = parse_train_args(["--preset", "gru", "--output_dir", "out"])
        >>> model_args.preset, data_args.train_file, args.per_device_train_batch_size, args.learning_rate
        ('gru', 'demo', 64, 0.001)
    """
    parser = HfArgumentParser((ModelArguments, DataArguments, RNNTrainingArguments), prog="rnn-models train")
    if len(argv) == 1 and argv[0].endswith(".json"):
        return parser.parse_json_file(argv[0])
    if len(argv) == 1 and argv[0].endswith((".yaml", ".yml")):
        return parser.parse_yaml_file(argv[0])
    return parser.parse_args_into_dataclasses(argv)


def save_run(run: TrainingRun, model_args: ModelArguments, data_args: DataArguments, args) -> dict[str, Any]:
    """Writes the finished folder (main process only): model, tokenizer, code, metrics, plot, an explained
    validation comment, card, state."""
    output_dir = Path(args.output_dir)
    staging = output_dir / STAGING
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    model = run.trainer.accelerator.unwrap_model(run.trainer.model)
    model.save_pretrained(staging)
    run.tokenizer.save_pretrained(staging)
    names = data_args.label_columns
    results = eval_results(run.metrics, run.scores, run.labels, names)
    results["vectors"] = {"name": model_args.vectors, "coverage": _coverage_dict(run.coverage)}
    results["stage_seconds"] = {stage: round(seconds, 3) for stage, seconds in run.stage_seconds.items()}
    write_json(staging / "eval_results.json", results)
    plot_roc_curves(run.scores, run.labels, names, staging / "roc_curve.png")
    run.trainer.state.save_to_json(str(staging / "trainer_state.json"))
    (staging / "training_args.json").write_text(args.to_json_string(), encoding="utf-8")
    record = {"model": asdict(model_args), "data": asdict(data_args), **run.fit_record}
    write_json(staging / "run_args.json", record)
    write_explained_example(staging, model, run.tokenizer, run.texts, run.scores, run.labels)  # for the card
    card = render_model_card(card_facts_from_folder(staging, _repo_id(run, args)))
    (staging / "README.md").write_text(card, encoding="utf-8")
    publish_folder(staging, output_dir)
    return results


def _repo_id(run: TrainingRun, args) -> str:
    """The repository the usage snippets name: the Hub repo when pushing, else the folder's name."""
    if args.push_to_hub:
        return run.trainer.hub_model_id
    return args.hub_model_id or Path(args.output_dir).resolve().name


def _coverage_dict(coverage: Any) -> Any:
    for method in ("as_dict", "to_dict"):
        if hasattr(coverage, method):
            return getattr(coverage, method)()
    return str(coverage)


def run_train_command(argv: list[str]) -> int:
    model_args, data_args, args = parse_train_args(argv)
    run = train(model_args, data_args, args)
    if run.trainer.is_world_process_zero():
        results = save_run(run, model_args, data_args, args)
        print(summary_table(results, args.output_dir))
        if args.push_to_hub:
            url = push_folder(
                args.output_dir, run.trainer.hub_model_id, private=bool(args.hub_private_repo),
                revision=args.hub_revision, token=args.hub_token,
            )  # fmt: skip
            print(f"pushed to {url}")
    return 0


if __name__ == "__main__":
    sys.exit(run_train_command(sys.argv[1:]))
