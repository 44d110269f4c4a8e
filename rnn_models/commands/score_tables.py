"""``predict`` and ``evaluate`` on a table: chunk by chunk, in bounded memory, resumable, across processes.

The table is read ``--chunk_rows`` rows at a time (`rnn_models.text.table_chunks`), each chunk scored on its
own (`rnn_models.serving.chunked_scoring`) and written as soon as its round is done: ``predict --output`` appends
it to a partial file with a progress marker (`rnn_models.serving.partial_output`), renamed into place at the
end; ``--resume`` continues after the last complete chunk. Every input row gets exactly one output row, in
the input's order, whatever its scores: NaN scores are written as NaN and counted on stderr.
"""

import argparse
import sys
from functools import partial
from pathlib import Path

import numpy as np

from ..serving.chunked_scoring import scored_rounds
from ..serving.inference import progress_bar
from ..serving.sharding import OtherProcessError, Shard, on_main

__all__ = ["check_table", "evaluate_table", "predict_table", "report_counts"]


def _chunks(
    args: argparse.Namespace, shard: Shard, label_columns: list[str] | None, chunk_rows: int | None = None
):
    from ..text.table_chunks import TableSource, iter_table_chunks

    source = TableSource(args.file, args.dataset_name, args.split, args.dataset_config_name, args.streaming)
    mine = (
        (lambda index: index % shard.num_shards == shard.rank)
        if shard.num_shards > 1
        else (lambda index: True)
    )
    return source, iter_table_chunks(
        source, args.text_column, label_columns, chunk_rows or args.chunk_rows, wanted=mine
    )


def check_table(args: argparse.Namespace) -> None:
    """Opens the table of ``args`` and reads its first row: a wrong file, split or column fails at once
    (before a model loads), in one line."""
    _, chunks = _chunks(args, Shard(), None, chunk_rows=1)
    next(chunks)


def report_counts(command: str, column: str, rows: int, counts: dict[str, int]) -> None:
    """Says on stderr, one line each, how many rows had no text and how many got NaN scores.

    Example:
        >>> report_counts("predict", "comment_text", 3, {"missing_texts": 0, "nan_rows": 1})  # on stderr
    """
    if counts.get("missing_texts"):
        print(
            f"rnn-models {command}: {counts['missing_texts']:,} of {rows:,} rows have no text in column "
            f"{column!r} (empty or missing); they are scored as empty texts",
            file=sys.stderr,
        )
    if counts.get("nan_rows"):
        print(
            f"rnn-models {command}: {counts['nan_rows']:,} of {rows:,} rows got NaN scores from the model; they "
            "are written as NaN",
            file=sys.stderr,
        )


def predict_table(
    args: argparse.Namespace,
    shard: Shard,
    score_texts,
    names: list[str],
    progress: bool = False,
    explain_texts=None,
    explained: list[str] | None = None,
    revision: str | None = None,
) -> int:
    """Scores the table of ``args`` chunk by chunk to ``--output`` (resumable) or stdout (JSON lines);
    ``progress``: a bar on stderr; ``explain_texts``: ``texts -> explanations`` of the labels ``explained``,
    for ``--explain``; ``revision``: the Hub commit the model was loaded from (a resumed run checks it).

    Rank 0 writes each round inside the round (`on_main`): an error there, as in any process's scoring,
    stops every process with it."""
    from ..serving.partial_output import PartialOutput

    source, chunks = _chunks(args, shard, None)
    output = None
    if args.output and shard.is_main:
        settings = _settings(args, source.name, revision, explained if explain_texts else None)
        output = PartialOutput(Path(args.output), settings)
    earlier = on_main(lambda: output.start(args.resume) if output else None, shard)  # what is done
    done = list(earlier.digests) if earlier else []  # a copy: appending must not grow it
    rows, counts = (earlier.rows, dict(earlier.counts)) if earlier else (0, {})
    key_name = earlier.notes.get("key_name") if earlier else None
    work = _predict_work(args, score_texts, names, explain_texts, explained)
    try:
        with progress_bar(None, progress) as bar:
            bar.update(rows)
            for results in scored_rounds(chunks, work, shard, done):
                scored = [result for result in results if result.payload is not None]
                on_main(partial(_write_round, scored, output), shard)
                for result in scored:
                    key_name = result.payload[2]
                    counts["missing_texts"] = counts.get("missing_texts", 0) + result.missing_texts
                    counts["nan_rows"] = counts.get("nan_rows", 0) + result.payload[1]
                    rows += result.num_rows
                    bar.update(result.num_rows)
    except (ValueError, OSError, OtherProcessError) as error:
        if output is None or not output.progress.rows:
            raise
        output.close()
        raise ValueError(
            f"{error}; the {output.progress.rows:,} rows scored before it are kept in {output.data}: run "
            "again with --resume to continue"
        ) from error

    def finish() -> None:
        report_counts("predict", args.text_column, rows, counts)
        if output:
            path = output.publish(args.overwrite)
            shared = f", scored by {shard.num_shards} processes" if shard.num_shards > 1 else ""
            print(f"wrote {rows:,} rows ({key_name}, {', '.join(names)}) to {path}{shared}", file=sys.stderr)

    on_main(finish, shard)
    return 0


def _settings(
    args: argparse.Namespace, table: str, revision: str | None, explained: list[str] | None
) -> dict:
    """What a resumed run must share with the interrupted one: the model loaded, the table, the options."""
    from ..serving.model_fingerprint import model_fingerprint

    return {
        **model_fingerprint(args.model, revision, args.backend),
        "table": table,
        **{key: getattr(args, key) for key in ("text_column", "chunk_rows", "batch_size", "backend")},
        **({"explain_top_k": args.top_k, "explained": explained} if explained is not None else {}),
    }


def _predict_work(args: argparse.Namespace, score_texts, names: list[str], explain_texts, explained):
    """``chunk -> (text to write, rows with NaN scores, key column name)``."""
    from ..serving.score_files import ScoreFormat

    suffix = Path(args.output).suffix.lower() if args.output else ".jsonl"

    def work(chunk):
        scores = score_texts(chunk.texts)  # (rows, labels)
        has_id = chunk.keys is not None
        keys = chunk.keys if has_id else range(chunk.first_row, chunk.first_row + chunk.num_rows)
        form = ScoreFormat(suffix, "id" if has_id else "row", names, explained=explained or [])
        explanations = explain_texts(chunk.texts) if explain_texts else None
        text = (form.header() if chunk.index == 0 else "") + form.rows(keys, scores, explanations)
        return text, int(np.isnan(scores).any(axis=1).sum()), form.key_name

    return work


def _write_round(results: list, output) -> None:
    """Rank 0's part of a round: each chunk's text appended to the partial ``output``, or printed."""
    for result in results:
        text, nan_rows, key_name = result.payload
        if output is None:
            sys.stdout.write(text)
            continue
        output.progress.notes["key_name"] = key_name
        output.append(
            text,
            result.num_rows,
            result.digest,
            {"missing_texts": result.missing_texts, "nan_rows": nan_rows},
        )


def evaluate_table(
    args: argparse.Namespace, shard: Shard, score_texts, pairs: list[tuple[str, int]], progress: bool = False
) -> dict:
    """ROC AUC of the table of ``args``, scored chunk by chunk: the JSON's fields, on every process (rank 0
    computes them); ``progress``: a bar on stderr."""
    from ..training.metrics import roc_auc_per_label

    columns = [column for column, _ in pairs]
    outputs = [index for _, index in pairs]

    def work(chunk):
        scores = score_texts(chunk.texts)[:, outputs]  # (rows, label columns)
        labels = np.asarray(chunk.labels, dtype=np.float32).T.round().astype(np.int8)  # (rows, label columns)
        return scores, labels

    _, chunks = _chunks(args, shard, columns)
    scores, labels, rows, counts = [], [], 0, {"missing_texts": 0, "nan_rows": 0}
    with progress_bar(None, progress) as bar:
        for results in scored_rounds(chunks, work, shard):
            for result in results:
                rows += result.num_rows
                counts["missing_texts"] += result.missing_texts
                counts["nan_rows"] += int(np.isnan(result.payload[0]).any(axis=1).sum())
                if shard.is_main:
                    scores.append(result.payload[0])
                    labels.append(result.payload[1])
                bar.update(result.num_rows)

    def roc_auc() -> dict:
        report_counts("evaluate", args.text_column, rows, counts)
        if counts["nan_rows"]:
            raise ValueError(f"{counts['nan_rows']:,} rows got NaN scores: ROC AUC is undefined for them")
        macro, per_label = roc_auc_per_label(np.concatenate(scores), np.concatenate(labels), columns)
        return {"roc_auc": macro, "roc_auc_per_label": per_label, "num_rows": rows}

    return on_main(roc_auc, shard)
