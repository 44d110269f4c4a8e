"""``rnn-models evaluate`` and ``rnn-models predict``: read a table (or texts), load a model, score.

Both read ``--file`` or ``--dataset_name`` / ``--split`` the same way, in chunks of ``--chunk_rows`` rows
(`rnn_models.commands.score_tables`: memory stays flat whatever the table's size, ``predict --output``
resumes with ``--resume``), and score with the torch or the ONNX Runtime backend (``--backend``);
`rnn_models.commands.cli` dispatches to them. Long scoring shows a progress bar on stderr when it is a
terminal (``--disable_tqdm`` turns it off). Under ``torchrun`` / ``accelerate launch`` the processes share
the chunks (`rnn_models.serving.chunked_scoring`) and rank 0 alone prints and writes.
"""

import argparse
import json
import os
import sys
from collections.abc import Callable
from typing import TextIO

from transformers.hf_argparser import string_to_bool

from ..serving.sharding import Shard, current_shard, end_shard, on_main, run_everywhere

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
    parser.add_argument(
        "--streaming", action="store_true", help="read --dataset_name as it downloads, never stored whole"
    )
    parser.add_argument("--text_column", default="comment_text")
    parser.add_argument(
        "--chunk_rows",
        type=int,
        default=10_000,
        help="rows read, tokenized and scored at a time (memory stays flat whatever the table's size); each "
        "process of torchrun / accelerate launch scores every N-th chunk",
    )


def _table_given(args: argparse.Namespace) -> bool:
    if args.file and args.dataset_name:
        raise ValueError("give --file or --dataset_name, not both")
    if args.streaming and not args.dataset_name:
        raise ValueError(
            "--streaming reads a --dataset_name as it downloads; a --file is read in chunks anyway"
        )
    if args.dataset_name and not args.split:
        raise ValueError(f"--dataset_name {args.dataset_name} needs --split (e.g. --split test)")
    return bool(args.file or args.dataset_name)


def _text_scorer(args: argparse.Namespace, model, tokenizer) -> Callable:
    """``texts -> scores`` for the chosen backend (one chunk's texts, all of them scored here)."""
    options = {"batch_size": args.batch_size}
    if args.backend == "onnx":
        from ..serving.onnx_serving import OnnxClassifier

        onnx = OnnxClassifier.for_folder(args.model, model)
        return lambda texts: onnx.predict_scores(tokenizer, texts, **options)
    from ..serving.inference import predict_scores

    return lambda texts: predict_scores(model, tokenizer, texts, **options)


def _writes_output() -> bool:
    """Whether this process writes the output: rank 0 (``RANK`` under a launcher), the only one whose
    machine needs the output's folder."""
    return os.environ.get("RANK", "0") == "0"


def _on_shards(command: Callable[[argparse.Namespace, Shard], int], args: argparse.Namespace) -> int:
    """Runs ``command`` as this process's share (one process without a launcher), then leaves the group."""
    shard = current_shard()
    try:
        return command(args, shard)
    finally:
        end_shard(shard)


def run_evaluate_command(argv: list[str]) -> int:
    """``rnn-models evaluate``: ROC AUC of a model on a labelled table, one JSON line (or ``--output`` file)."""
    parser = argparse.ArgumentParser(prog="rnn-models evaluate", description="ROC AUC of a model on a table.")
    parser.add_argument("--model", required=True, help="model folder or Hub repository id")
    _add_table_arguments(parser, "with labels")
    parser.add_argument(
        "--label_columns",
        nargs="+",
        help="the table's label columns, matched to the model's labels by name (COLUMN=LABEL when they are "
        "named differently); default: the model's labels",
    )
    parser.add_argument("--output", help="write the JSON here (.json, written atomically) instead of stdout")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --output file")
    _add_scoring_arguments(parser)
    args = parser.parse_args(argv)
    if not _table_given(args):
        raise ValueError("give --file or --dataset_name with --split")
    if args.output and _writes_output():
        from ..serving.score_files import check_output_path

        check_output_path(args.output, args.overwrite, formats=None)  # before the slow part
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


def _load(args: argparse.Namespace, shard: Shard) -> tuple[object, object, str | None]:
    """The model and tokenizer on every process, all from one Hub commit (rank 0 resolves it: the revision
    returned, None for a folder); a failure in any process stops all of them."""
    from ..serving.inference import hub_revision, load_model

    revision = on_main(lambda: hub_revision(args.model), shard)
    model, tokenizer = run_everywhere(
        lambda: load_model(args.model, shard.device, allow_pickle=args.allow_pickle, revision=revision), shard
    )
    return model, tokenizer, revision


def _evaluate(args: argparse.Namespace, shard: Shard) -> int:
    from ..serving.inference import label_names
    from .score_tables import evaluate_table

    model, tokenizer, _ = _load(args, shard)
    pairs, scorer = run_everywhere(
        lambda: (
            match_label_columns(args.label_columns, label_names(model)),
            _text_scorer(args, model, tokenizer),
        ),
        shard,
    )
    progress = shard.is_main and show_progress(args.disable_tqdm)
    result = evaluate_table(args, shard, scorer, pairs, progress)
    on_main(lambda: _emit_evaluation(args, result), shard)  # rank 0 writes; its error reaches every process
    return 0


def _emit_evaluation(args: argparse.Namespace, result: dict) -> None:
    from ..serving.score_files import write_text_file

    text = json.dumps(result)
    if args.output:
        write_text_file(args.output, text + "\n", args.overwrite)
        print(f"wrote the ROC AUC of {result['num_rows']:,} rows to {args.output}", file=sys.stderr)
    else:
        print(text)


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
        help="write the scores here instead of stdout: .csv (Kaggle's submission format), .tsv, .jsonl; "
        "written chunk by chunk under a temporary name, renamed into place when complete",
    )
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --output file")
    parser.add_argument(
        "--explain",
        action="store_true",
        help="also give each label's top words: their spans in the text and contributions to the label's logit "
        '(JSON lines: an "explanations" field; CSV / TSV: a <label>_words column per label, a JSON list); '
        "torch backend only; 23x (default preset) to 81x (lstm) the time of plain predict on real comments, 2-core CPU (README)",
    )
    parser.add_argument(
        "--top_k", type=int, default=5, help="with --explain: the words per label that moved its logit most"
    )
    parser.add_argument(
        "--explain_labels",
        nargs="+",
        metavar="LABEL",
        help="with --explain: only these labels (each label explained costs about the same)",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue the interrupted run of this same command where its complete chunks end (the final "
        "file is the one an uninterrupted run writes)",
    )
    _add_scoring_arguments(parser)
    args = parser.parse_args(argv)
    if bool(args.texts) == _table_given(args):
        raise ValueError("give either texts or --file (or --dataset_name), not both and not neither")
    if args.resume and not args.output:
        raise ValueError("--resume continues an --output file; give --output")
    if args.explain and args.backend != "torch":
        raise ValueError("--explain needs --backend torch: the attributions take gradients through the model")
    if args.top_k < 1:
        raise ValueError(f"--top_k {args.top_k}: expected a number of words, 1 or more")
    if args.explain_labels and not args.explain:
        raise ValueError("--explain_labels chooses the labels of --explain; add --explain")
    if args.output and _writes_output():
        check_output_path(args.output, args.overwrite)  # before the slow part
    _quiet_loading()
    return _on_shards(_predict, args)


def _predict(args: argparse.Namespace, shard: Shard) -> int:
    from ..serving.inference import label_names
    from .score_tables import check_table, predict_table

    if not args.texts:  # the table first: a wrong split or column fails before the model loads
        run_everywhere(lambda: check_table(args), shard)
    model, tokenizer, revision = _load(args, shard)
    names = label_names(model)

    def scorers():
        explained = _explained_labels(args, names)
        return explained, _explainer(args, model, tokenizer, explained), _text_scorer(args, model, tokenizer)

    explained, explainer, scorer = run_everywhere(scorers, shard)
    if not args.texts:
        progress = shard.is_main and show_progress(args.disable_tqdm)
        return predict_table(args, shard, scorer, names, progress, explainer, explained, revision)
    scores, explanations = run_everywhere(  # a few texts: each process scores them all
        lambda: (scorer(args.texts), explainer(args.texts) if explainer else None), shard
    )
    on_main(lambda: _emit_text_scores(args, names, explained, scores, explanations), shard)  # rank 0 alone
    return 0


def _emit_text_scores(args: argparse.Namespace, names: list[str], explained: list[str], scores, explanations):
    from ..serving.score_files import ScoreFormat, write_scores

    if args.output:
        path = write_scores(
            args.output,
            "text",
            args.texts,
            names,
            scores,
            overwrite=args.overwrite,
            explanations=explanations,
        )
        print(f"wrote {len(scores):,} rows (text, {', '.join(names)}) to {path}", file=sys.stderr)
        return
    sys.stdout.write(ScoreFormat(".jsonl", "text", names, explained).rows(args.texts, scores, explanations))


def _explained_labels(args: argparse.Namespace, names: list[str]) -> list[str]:
    """The labels ``--explain`` explains: ``--explain_labels`` (checked against the model's) or all of them."""
    if not args.explain:
        return []
    unknown = [label for label in args.explain_labels or () if label not in names]
    if unknown:
        raise ValueError(f"--explain_labels {' '.join(unknown)}: the model's labels are {', '.join(names)}")
    return list(args.explain_labels or names)


def _explainer(args: argparse.Namespace, model, tokenizer, explained: list[str]) -> Callable | None:
    """``texts -> [label -> {"logit", "baseline_logit", "words"}]`` with the ``--top_k`` words, for ``--explain``."""
    if not explained:
        return None
    from ..serving.explanations import explain

    def explain_texts(texts):
        return [
            {name: label.to_dict(args.top_k) for name, label in result.labels.items()}
            for result in explain(model, texts, tokenizer, labels=explained)
        ]

    return explain_texts
