"""``rnn-models evaluate`` and ``rnn-models predict``: read a table (or texts), load a model, score.

Both read ``--file`` or ``--dataset_name`` / ``--split`` the same way and score with the torch or the ONNX
Runtime backend (``--backend``); `rnn_models.commands.cli` dispatches to them. Long scoring shows a progress bar on
stderr when it is a terminal (``--disable_tqdm`` turns it off). Under ``torchrun`` / ``accelerate launch``
the processes share the rows (`rnn_models.serving.sharding`) and rank 0 alone prints and writes.
"""

import argparse
import json
import sys
from collections.abc import Callable
from typing import TextIO

from transformers.hf_argparser import string_to_bool

from ..serving.sharding import Shard, current_shard, end_shard, gather_scores

__all__ = ["match_label_columns", "run_evaluate_command", "run_predict_command", "show_progress"]


def _quiet_loading() -> None:
    """No progress bars for loading a model or reading a table: evaluate / predict print JSON only."""
    import datasets
    import transformers

    datasets.disable_progress_bars()
    transformers.utils.logging.disable_progress_bar()


def show_progress(disable_tqdm: bool, stream: TextIO | None = None) -> bool:
    """Whether to draw the scoring progress bar: only on a terminal (``stream``, default stderr), and not
    with ``--disable_tqdm``; a file or a pipe never gets one.

    Example:
        >>> import io
        >>> show_progress(False, io.StringIO()), show_progress(True, io.StringIO())
        (False, False)
    """
    stream = sys.stderr if stream is None else stream
    return not disable_tqdm and stream.isatty()


def _add_scoring_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--batch_size", type=int, default=256)
    parser.add_argument(
        "--disable_tqdm",
        type=string_to_bool,
        nargs="?",
        const=True,
        default=False,
        help="no progress bar (as the Trainer's flag; the bar only shows when stderr is a terminal)",
    )
    parser.add_argument("--allow_pickle", action="store_true", help="also load pickled (.bin) weights")
    parser.add_argument(
        "--backend",
        choices=["torch", "onnx"],
        default="torch",
        help="onnx: ONNX Runtime, the same scores; its speed depends on the model: 0.97x (bilstm) to 1.48x "
        "(lstm) the torch backend on 4,000 real comments, 2 CPU cores (benchmarks/serving_cpu.json; the "
        "bag-of-n-grams presets were not timed); uses the folder's model.onnx (rnn-models export-onnx) or "
        "exports one for this run; needs rnn-models[onnx]",
    )


def _add_table_arguments(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--file", help=f"CSV / TSV / JSON lines / parquet {what}")
    parser.add_argument(
        "--dataset_name", help="or a Hub dataset id / local dataset folder (datasets.load_dataset)"
    )
    parser.add_argument("--dataset_config_name", help="the dataset's configuration")
    parser.add_argument("--split", help="the split of --dataset_name to read, e.g. test")
    parser.add_argument("--text_column", default="comment_text")


def _table_given(args: argparse.Namespace) -> bool:
    if args.file and args.dataset_name:
        raise ValueError("give --file or --dataset_name, not both")
    if args.dataset_name and not args.split:
        raise ValueError(f"--dataset_name {args.dataset_name} needs --split (e.g. --split test)")
    return bool(args.file or args.dataset_name)


def _read_table(args: argparse.Namespace, label_columns: list[str] | None):
    """The table of ``--file`` or of ``--dataset_name`` / ``--split``, columns checked."""
    from ..text.tables import load_dataset_split, load_table

    if args.dataset_name:
        return load_dataset_split(
            args.dataset_name,
            args.split,
            config_name=args.dataset_config_name,
            text_column=args.text_column,
            label_columns=label_columns,
        )
    return load_table(args.file, args.text_column, label_columns)


def _scorer(args: argparse.Namespace, model, tokenizer, shard: Shard) -> Callable:
    """``texts -> scores`` for the chosen backend: this process's share, merged on rank 0 (None elsewhere)."""
    options = {
        "batch_size": args.batch_size,
        "shard": shard,
        "progress": shard.is_main and show_progress(args.disable_tqdm),
    }
    if args.backend == "onnx":
        from ..serving.onnx_serving import OnnxClassifier

        onnx = OnnxClassifier.for_folder(args.model, model)
        return lambda texts: gather_scores(onnx.predict_scores(tokenizer, texts, **options), shard)
    from ..serving.inference import predict_scores

    return lambda texts: gather_scores(predict_scores(model, tokenizer, texts, **options), shard)


def _on_shards(command: Callable[[argparse.Namespace, Shard], int], args: argparse.Namespace) -> int:
    """Runs ``command`` as this process's share (one process without a launcher), then leaves the group."""
    shard = current_shard()
    try:
        return command(args, shard)
    finally:
        end_shard(shard)


def run_evaluate_command(argv: list[str]) -> int:
    """``rnn-models evaluate``: ROC AUC of a model on a labelled table, printed as one JSON line."""
    parser = argparse.ArgumentParser(prog="rnn-models evaluate", description="ROC AUC of a model on a table.")
    parser.add_argument("--model", required=True, help="model folder or Hub repository id")
    _add_table_arguments(parser, "with labels")
    parser.add_argument(
        "--label_columns",
        nargs="+",
        help="the table's label columns, matched to the model's labels by name (COLUMN=LABEL when they are "
        "named differently); default: the model's labels",
    )
    _add_scoring_arguments(parser)
    args = parser.parse_args(argv)
    if not _table_given(args):
        raise ValueError("give --file or --dataset_name with --split")
    _quiet_loading()
    return _on_shards(_evaluate, args)


def match_label_columns(requested: list[str] | None, model_labels: list[str]) -> list[tuple[str, int]]:
    """``(table column, model output index)`` per ``--label_columns`` entry, matched by the model's label names
    (``config.id2label``), never by position; ``COLUMN=LABEL`` pairs a column with a label of another name.

    Example:
        >>> match_label_columns(["other", "toxic"], ["toxic", "other"])
        [('other', 1), ('toxic', 0)]
        >>> match_label_columns(["is_toxic=toxic"], ["toxic", "other"])
        [('is_toxic', 0)]
        >>> match_label_columns(None, ["toxic", "other"])
        [('toxic', 0), ('other', 1)]
    """
    pairs = []
    for entry in requested or model_labels:
        column, _, label = entry.partition("=") if requested else (entry, "", entry)
        label = label or column
        if label not in model_labels:
            raise ValueError(
                f"--label_columns {entry}: the model has no label {label!r}; its labels are "
                f"{', '.join(model_labels)} (write COLUMN=LABEL to pair a column with one of them)"
            )
        pairs.append((column, model_labels.index(label)))
    return pairs


def _count_missing_texts(texts, column: str, command: str) -> None:
    """Says on stderr, in one line, how many rows have no text (a null or an empty cell): they score as ""."""
    missing = sum(1 for text in texts if not text)
    if missing:
        print(
            f"rnn-models {command}: {missing:,} of {len(texts):,} rows have no text in column {column!r} "
            "(empty or missing); they are scored as empty texts",
            file=sys.stderr,
        )


def _evaluate(args: argparse.Namespace, shard: Shard) -> int:
    from ..serving.inference import label_names, load_model
    from ..training.metrics import roc_auc_per_label

    model, tokenizer = load_model(args.model, shard.device, allow_pickle=args.allow_pickle)
    pairs = match_label_columns(args.label_columns, label_names(model))
    columns = [column for column, _ in pairs]
    table = _read_table(args, columns)
    texts = table[args.text_column]
    if shard.is_main:
        _count_missing_texts(texts, args.text_column, "evaluate")
    scores = _scorer(args, model, tokenizer, shard)(texts)
    if scores is None:  # not rank 0: its share went to rank 0
        return 0
    labels = [[row[c] for c in columns] for row in table.select_columns(columns)]
    macro, per_label = roc_auc_per_label(scores[:, [index for _, index in pairs]], labels, columns)
    print(json.dumps({"roc_auc": macro, "roc_auc_per_label": per_label, "num_rows": table.num_rows}))
    return 0


def run_predict_command(argv: list[str]) -> int:
    """``rnn-models predict``: scores per label, as JSON lines on stdout or a file (``--output``)."""
    from ..serving.score_files import check_output_path

    parser = argparse.ArgumentParser(
        prog="rnn-models predict",
        description="Scores per label: JSON lines on stdout, or a file (--output submission.csv: id,label,...).",
    )
    parser.add_argument("--model", required=True, help="model folder or Hub repository id")
    parser.add_argument("texts", nargs="*", help="texts to score (or use --file / --dataset_name)")
    _add_table_arguments(parser, "to score")
    parser.add_argument(
        "--output",
        help="write the scores here instead of stdout: .csv (Kaggle's submission format), .tsv, .jsonl",
    )
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --output file")
    _add_scoring_arguments(parser)
    args = parser.parse_args(argv)
    if bool(args.texts) == _table_given(args):
        raise ValueError("give either texts or --file (or --dataset_name), not both and not neither")
    if args.output:
        check_output_path(args.output, args.overwrite)  # before the slow part
    _quiet_loading()
    return _on_shards(_predict, args)


def _predict(args: argparse.Namespace, shard: Shard) -> int:
    from ..serving.inference import label_names, load_model
    from ..serving.score_files import write_scores

    if not args.texts:  # the table first: a wrong split or column fails before the model loads
        table = _read_table(args, label_columns=None)
        texts = table[args.text_column]
        if shard.is_main:
            _count_missing_texts(texts, args.text_column, "predict")
        keys = table["id"] if "id" in table.column_names else range(table.num_rows)
        key_name = "id" if "id" in table.column_names else "row"
    else:
        texts, keys, key_name = args.texts, args.texts, "text"
    model, tokenizer = load_model(args.model, shard.device, allow_pickle=args.allow_pickle)
    names = label_names(model)
    scores = _scorer(args, model, tokenizer, shard)(texts)
    if scores is None:  # not rank 0: its share went to rank 0, which alone writes
        return 0
    if args.output:
        path = write_scores(args.output, key_name, keys, names, scores, overwrite=args.overwrite)
        shared = f", scored by {shard.num_shards} processes" if shard.num_shards > 1 else ""
        print(
            f"wrote {len(scores):,} rows ({key_name}, {', '.join(names)}) to {path}{shared}", file=sys.stderr
        )
        return 0
    for key, row in zip(keys, scores, strict=True):
        print(
            json.dumps(
                {key_name: key, **{name: round(float(s), 6) for name, s in zip(names, row, strict=True)}}
            )
        )
    return 0
