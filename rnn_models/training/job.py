"""The main job: data → Keras-exact tokenizer → GloVe matrix → model → `Trainer` → a complete model folder.

Defaults are the Keras notebook's recipe (max_length 1500, batch 64, 5 epochs, Adam at 1e-3 with Keras's
epsilon, constant learning rate) with the preset bilstm_ngrams; ``--preset lstm | gru | bilstm`` gives the
notebook's models, with frozen vectors.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import datasets
import numpy as np
import torch
from transformers import DataCollatorWithPadding, Trainer, TrainerCallback, set_seed
from transformers.trainer_utils import get_last_checkpoint

from ..model.configuration_rnn import RNNConfig
from ..model.modeling_rnn import RNNForSequenceClassification
from ..model.problem_type import scores_from_logits
from ..text.tables import (
    check_auc_defined,
    check_both_classes,
    read_tables,
    reference_split,
    tokenize_dataset,
)
from ..text.text_feature_fitting import FittedTextFeatures
from ..text.tokenization_rnn import RNNTokenizerFast
from ..vectors import WordVectors, build_embedding_matrix, check_vectors_source, load_vectors
from .arguments import DataArguments, ModelArguments, RNNTrainingArguments
from .blended_fit import fit_linear, hold_out_blend_rows, linear_fit_record, shared_text_features
from .metrics import make_compute_metrics
from .trainer import RNNTrainer

__all__ = [
    "DataArguments",
    "ModelArguments",
    "RNNTrainingArguments",
    "TrainingRun",
    "train",
]  # arguments: re-exported


@dataclass
class TrainingRun:
    """What `train` produced: the trainer, the tokenizer, the vectors' coverage, final metrics, and the
    validation scores (what `pipeline` shows for the logits: `scores_from_logits`) with their labels and texts,
    in the validation table's row order."""

    trainer: Trainer
    tokenizer: RNNTokenizerFast
    coverage: Any
    metrics: dict[str, Any]
    scores: np.ndarray
    labels: np.ndarray
    texts: list[str]
    fit_record: dict[str, Any] = field(default_factory=dict)  # the linear part's C and the blend, per label
    stage_seconds: dict[str, float] = field(default_factory=dict)  # wall time of each stage of the run


@contextmanager
def _timed(seconds: dict[str, float], stage: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    seconds[stage] = seconds.get(stage, 0.0) + time.perf_counter() - start


def check_output_dir(args: RNNTrainingArguments) -> str | None:
    """Refuses to overwrite a non-empty output folder; resolves ``--resume_from_checkpoint last``."""
    output_dir = Path(args.output_dir)
    resume = args.resume_from_checkpoint
    if resume is not None and resume.lower() in ("last", "latest", "true"):
        resume = get_last_checkpoint(str(output_dir)) if output_dir.is_dir() else None
        if resume is None:
            raise ValueError(f"{output_dir}: no checkpoint-* folder to resume from")
    elif resume is not None and not Path(resume).is_dir():
        raise ValueError(f"{resume}: no such checkpoint folder")
    if resume is None and output_dir.is_dir() and any(output_dir.iterdir()) and not args.overwrite_output_dir:
        raise ValueError(
            f"{output_dir} already exists and is not empty; pass --overwrite_output_dir to write into it "
            "or --resume_from_checkpoint last to continue the run"
        )
    return resume


def prepare_tables(data: DataArguments) -> tuple[datasets.Dataset, datasets.Dataset]:
    """Training and validation tables (files or a dataset's splits): a separate validation table, or the
    reference split of the training table."""
    table, validation = read_tables(data)
    if validation is None:
        return reference_split(
            table, data.label_columns, validation_split=data.validation_split, seed=data.split_seed,
            max_rows=data.max_rows,
        )  # fmt: skip
    if data.max_rows is not None:
        table = table.select(range(min(data.max_rows, table.num_rows)))
    return table, validation


def fit_tokenizer(
    model: ModelArguments,
    data: DataArguments,
    train,
    validation,
    text_features: FittedTextFeatures | None = None,
) -> RNNTokenizerFast:
    texts = list(train[data.text_column])
    if data.fit_tokenizer_on == "train+validation":  # the notebook: fit_on_texts(list(xtrain) + list(xvalid))
        texts += list(validation[data.text_column])
    vocabulary = None if text_features is None else text_features.vocabulary
    return RNNTokenizerFast.from_texts(
        texts, num_words=model.num_words, max_length=model.max_length, text_features=vocabulary
    )


def load_vocabulary_vectors(
    model: ModelArguments, tokenizer: RNNTokenizerFast
) -> tuple[RNNTokenizerFast, WordVectors]:
    """The vectors of the tokenizer's words, and the tokenizer extended by ``--vocab_from_vectors`` words."""
    limit = None if model.vocab_from_vectors == -1 else model.vocab_from_vectors
    vectors = load_vectors(
        model.vectors, vocab=tokenizer, cache=not model.no_vectors_cache, vocab_from_vectors=limit
    )
    return (tokenizer if limit == 0 else tokenizer.extend_from_vectors(vectors, limit)), vectors


def build_model(
    model: ModelArguments,
    tokenizer: RNNTokenizerFast,
    vectors: WordVectors,
    label_columns: list[str],
    text_features: FittedTextFeatures | None = None,
):
    """The preset with the vectors loaded (frozen or not as the preset or ``--train_embeddings`` says);
    returns (model, coverage)."""
    matrix, coverage = build_embedding_matrix(tokenizer, vectors, missing=model.missing_vectors)
    if coverage.vocab_words and not coverage.found_words:
        raise ValueError(
            f"{model.vectors}: none of the {coverage.vocab_words:,} vocabulary words has a vector, so the model "
            "would see only zeros; check the vectors' language and casing, or pass another --vectors file"
        )
    config = RNNConfig.from_preset(
        model.preset,
        vocab_size=matrix.shape[0],
        embedding_dim=matrix.shape[1],
        max_length=model.max_length,
        keras_compatible=model.keras_compatible,
        **({} if model.train_embeddings is None else {"freeze_embeddings": not model.train_embeddings}),
        embedding_storage_dtype=model.embedding_storage_dtype,
        num_labels=len(label_columns),
        id2label=dict(enumerate(label_columns)),
        label2id={name: i for i, name in enumerate(label_columns)},
        problem_type="multi_label_classification" if len(label_columns) > 1 else None,
        **_text_feature_fields(model, text_features),
    )
    classifier = RNNForSequenceClassification(config)
    classifier.load_embedding_matrix(matrix)
    classifier.set_vocabulary(tokenizer)
    if text_features is not None:
        classifier.text_features.idf.copy_(torch.from_numpy(text_features.idf))
    return classifier, coverage


def _text_feature_fields(model: ModelArguments, text_features: FittedTextFeatures | None) -> dict[str, Any]:
    if text_features is None:
        return {}
    vocabulary = text_features.vocabulary
    return {"text_feature_size": vocabulary.size, "text_feature_groups": vocabulary.group_starts}


def build_trainer(
    model, tokenizer, train_set, eval_set, args: RNNTrainingArguments, callbacks=None, blend=None
) -> Trainer:
    padding = "max_length" if model.config.keras_compatible else "longest"
    collator = DataCollatorWithPadding(tokenizer, padding=padding, max_length=model.config.max_length)
    return RNNTrainer(
        model=model,
        args=args,
        train_dataset=train_set,
        eval_dataset=eval_set,
        data_collator=collator,
        processing_class=tokenizer,
        compute_metrics=make_compute_metrics(model.config),
        callbacks=callbacks,
        blend=blend,
    )


def train(
    model_args: ModelArguments,
    data_args: DataArguments,
    args: RNNTrainingArguments,
    callbacks: list[TrainerCallback] | None = None,
) -> TrainingRun:
    """Trains and evaluates; the caller writes the final folder (`rnn_models.commands.train.save_run`).

    The user's errors come in the order they should be fixed, all before anything is written: the inputs
    (tables, their columns and labels, the vectors file) first, then an existing output folder, which is
    checked before the long part (reading vectors, training)."""
    set_seed(args.seed)
    seconds: dict[str, float] = {}
    if args.num_train_epochs < 0:  # the preset's: the recurrent part of the blend needs fewer epochs
        args.num_train_epochs = 3.0 if model_args.uses_text_features else 5.0
    with args.main_process_first(desc="reading data"):
        train_table, valid_table = prepare_tables(data_args)
    check_auc_defined(valid_table, data_args.label_columns)
    check_vectors_source(model_args.vectors)
    resume = check_output_dir(args)
    # The raw-text features are fitted on the training texts only, as the peers' vectorizers are.
    if model_args.uses_text_features:  # the linear part needs both classes of every label to fit
        check_both_classes(train_table, data_args.label_columns, "training rows")
    with _timed(seconds, "fit n-grams and tokenizer"):
        text_features = (
            shared_text_features(args, train_table[data_args.text_column])
            if model_args.uses_text_features
            else None
        )
        tokenizer = fit_tokenizer(model_args, data_args, train_table, valid_table, text_features)
    with _timed(seconds, "read vectors, build model"):
        tokenizer, vectors = load_vocabulary_vectors(model_args, tokenizer)
        model, coverage = build_model(model_args, tokenizer, vectors, data_args.label_columns, text_features)
    if args.process_index == 0:
        print(coverage)
    encode = dict(
        tokenizer=tokenizer, text_column=data_args.text_column, label_columns=data_args.label_columns,
        max_length=model_args.max_length,
    )  # fmt: skip
    with args.main_process_first(desc="tokenizing"), _timed(seconds, "tokenize"):
        train_set, valid_set = (
            tokenize_dataset(train_table, **encode),
            tokenize_dataset(valid_table, **encode),
        )
    blend, fit_record = None, {}
    if text_features is not None:
        labels = data_args.label_columns
        with _timed(seconds, "fit linear part"):
            linear = fit_linear(model, train_set, labels, model_args.linear_c, args)
        train_set, blend = hold_out_blend_rows(model, train_set, linear, model_args.blend_rows,
                                               model_args.recurrent_weight, args.per_device_eval_batch_size, args.seed)  # fmt: skip
        for note in linear.notes if args.process_index == 0 else []:
            if note:
                print(note)
    trainer = build_trainer(model, tokenizer, train_set, valid_set, args, callbacks, blend)
    with _timed(seconds, "train network"):
        train_output = trainer.train(resume_from_checkpoint=resume)
    with _timed(seconds, "evaluate"):
        prediction = trainer.predict_in_row_order(valid_set, metric_key_prefix="eval")
    logits = torch.as_tensor(np.asarray(prediction.predictions, dtype=np.float64))
    scores = scores_from_logits(logits.reshape(len(logits), -1), model.config).numpy()
    metrics = {**train_output.metrics, **prediction.metrics}
    labels, texts = np.asarray(prediction.label_ids), list(valid_table[data_args.text_column])
    if blend is not None:
        fit_record = linear_fit_record(linear, blend, data_args.label_columns, model_args.linear_c)
    return TrainingRun(trainer, tokenizer, coverage, metrics, scores, labels, texts, fit_record, seconds)
