"""The main job: data → Keras-exact tokenizer → GloVe matrix → model → `Trainer` → a complete model folder.

Defaults are the Keras notebook's recipe (max_length 1500, batch 64, 5 epochs, Adam at 1e-3 with Keras's
epsilon, constant learning rate) with the preset bilstm_ngrams; ``--preset lstm | gru | bilstm`` gives the
notebook's models, with frozen vectors.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import datasets
import numpy as np
import torch
from transformers import DataCollatorWithPadding, Trainer, TrainerCallback, TrainingArguments, set_seed
from transformers.trainer_utils import get_last_checkpoint

from ..model.configuration_rnn import DEFAULT_PRESET, PRESETS, TEXT_FEATURE_PRESETS, RNNConfig
from ..model.modeling_rnn import RNNForSequenceClassification
from ..model.problem_type import scores_from_logits
from ..text.tables import DEMO_DATA, check_auc_defined, read_tables, reference_split, tokenize_dataset
from ..text.text_feature_fitting import FittedTextFeatures, fit_text_features
from ..text.tokenization_rnn import RNNTokenizerFast
from ..vectors import WordVectors, build_embedding_matrix, check_vectors_source, load_vectors
from .linear_fit import BlendCallback, fit_linear_part, tfidf_rows
from .metrics import make_compute_metrics
from .trainer import RNNTrainer

__all__ = ["DataArguments", "ModelArguments", "RNNTrainingArguments", "TrainingRun", "train"]


@dataclass
class ModelArguments:
    preset: str = field(
        default=DEFAULT_PRESET,
        metadata={
            "help": "Architecture: bilstm_ngrams (default) or bigru_ngrams, beyond the notebook; or the Keras notebook's lstm, gru, bilstm.",
            "choices": list(PRESETS),
        },
    )
    vectors: str = field(
        default="glove-6b-50d",
        metadata={"help": "Word vectors: 'glove-6b-50d' (extra 'glove') or a GloVe/word2vec/fastText file."},
    )
    no_vectors_cache: bool = field(
        default=False, metadata={"help": "Do not read or write the vectors cache."}
    )
    missing_vectors: str = field(
        default="zeros", metadata={"help": "Rows of words without a vector.", "choices": ["zeros", "normal"]}
    )
    num_words: int | None = field(default=None, metadata={"help": "Keras num_words: keep ids < num_words."})
    # 50,000: the best N on real comments, held-out texts (README, "Words the training texts never saw").
    vocab_from_vectors: int = field(
        default=50_000,
        metadata={
            "help": "Beyond Keras: also give ids (after the Keras ids; frozen rows) to the N most frequent words "
            "of the vectors that the training texts lack, so that new words keep their vectors; -1: all; "
            "0: the Keras vocabulary only."
        },
    )
    max_length: int = field(
        default=1500, metadata={"help": "Keras maxlen: pad / truncate to this many tokens."}
    )
    keras_compatible: bool = field(
        default=False, metadata={"help": "Run every padded step like Keras instead of only the real tokens."}
    )
    train_embeddings: bool | None = field(
        default=None,
        metadata={
            "help": "Fine-tune the word vectors too (default: as the preset says; the notebook's keep them frozen)."
        },
    )
    embedding_storage_dtype: str = field(
        default="float32",
        metadata={
            "help": "float16 stores the frozen table at half the size on disk (float32 again in memory).",
            "choices": ["float32", "float16"],
        },
    )

    text_features: bool | None = field(
        default=None,
        metadata={
            "help": "A linear model (NB-LR) over word and character n-grams of the raw text beside the recurrent "
            "part (default: as the preset says; bilstm_ngrams and bigru_ngrams have it)."
        },
    )
    linear_c: list[float] = field(
        default_factory=lambda: [0.03125, 0.125, 0.5, 2.0],
        metadata={"help": "C values of the linear part's logistic regression; several: chosen by 5-fold CV."},
    )
    recurrent_weight: float = field(
        default=0.3,
        metadata={"help": "The recurrent part's weight in the logit, relative to the linear part's spread."},
    )

    @property
    def uses_text_features(self) -> bool:
        return self.preset in TEXT_FEATURE_PRESETS if self.text_features is None else self.text_features

    def __post_init__(self) -> None:
        if self.recurrent_weight < 0 or not self.linear_c or min(self.linear_c) <= 0:
            raise ValueError("--recurrent_weight must be >= 0 and --linear_c one or more numbers > 0")
        if self.vocab_from_vectors < -1:  # fail at parse time, before any data is read
            raise ValueError(
                f"--vocab_from_vectors {self.vocab_from_vectors} is invalid; expected -1 (all), 0 or a word count."
            )


@dataclass
class DataArguments:
    train_file: str = field(
        default=DEMO_DATA,
        metadata={"help": "CSV / TSV / JSON lines / parquet; 'demo' is the shipped demo data."},
    )
    validation_file: str | None = field(default=None, metadata={"help": "Separate validation table."})
    text_column: str = field(default="comment_text")
    label_columns: list[str] = field(
        default_factory=lambda: ["toxic"], metadata={"help": "One column: binary; several: multi-label."}
    )
    max_rows: int | None = field(
        default=None, metadata={"help": "Use only the first N rows (reference: 12000)."}
    )
    validation_split: float = field(default=0.2, metadata={"help": "Share held out when no validation file."})
    split_seed: int = field(default=42, metadata={"help": "random_state of the stratified split."})
    fit_tokenizer_on: str = field(
        default="train",
        metadata={
            "help": "'train+validation' reproduces the notebook.",
            "choices": ["train", "train+validation"],
        },
    )
    # A dataset instead of files, as in transformers' run_classification.py (datasets.load_dataset).
    dataset_name: str | None = field(
        default=None, metadata={"help": "Hub dataset id or local dataset folder; replaces --train_file."}
    )
    dataset_config_name: str | None = field(default=None, metadata={"help": "The dataset's configuration."})
    train_split: str = field(default="train", metadata={"help": "Split of --dataset_name to train on."})
    validation_split_name: str | None = field(
        default=None,
        metadata={
            "help": "Split of --dataset_name to validate on; default: --validation_split of train_split."
        },
    )


@dataclass
class RNNTrainingArguments(TrainingArguments):
    output_dir: str | None = field(default="rnn-model", metadata={"help": "Where the trained model goes."})
    overwrite_output_dir: bool = field(default=False, metadata={"help": "Write into a non-empty output_dir."})
    per_device_train_batch_size: int = 64
    per_device_eval_batch_size: int = 256
    num_train_epochs: float = field(
        default=-1.0,
        metadata={
            "help": "Epochs (default -1: the preset's: 5 as in the notebook, 3 for bilstm_ngrams / bigru_ngrams)."
        },
    )
    learning_rate: float = 1e-3
    lr_scheduler_type: str = "constant"
    optim: str = "adamw_torch"  # weight_decay stays 0: plain Adam, as in Keras
    adam_epsilon: float = 1e-7
    eval_strategy: str = "epoch"
    save_strategy: str = "epoch"
    save_total_limit: int | None = 2
    logging_strategy: str = "epoch"
    train_sampling_strategy: str = "group_by_length"
    length_group_mega_batches: int | None = field(
        default=None,
        metadata={
            "help": "With group_by_length: sort by length within random groups of this many batches. "
            "None / 0: transformers' sampler (up to 50), nearly uniform batches: fastest, and equal to Keras on real "
            "comments; on VADER snippets 0.007 ROC AUC below Keras, where 4 (or --train_sampling_strategy random) "
            "matches it."
        },
    )
    hub_strategy: str = "end"  # --push_to_hub: one push of the finished folder, card included
    ddp_find_unused_parameters: bool | None = False  # frozen vectors are not "unused"; skip the extra pass

    def __post_init__(self):
        if self.length_group_mega_batches is not None and self.length_group_mega_batches < 0:
            raise ValueError(
                f"length_group_mega_batches={self.length_group_mega_batches}: expected a number of batches >= 1, "
                "or 0 / None for transformers' default"
            )
        if not _has_accelerator():
            self.dataloader_pin_memory = False  # nothing to pin to; avoids a warning per epoch
            # accelerate takes a CPU-only torchrun for one process unless told; then every rank would save.
            self.use_cpu = True
        super().__post_init__()


def _has_accelerator() -> bool:
    xpu = getattr(torch, "xpu", None)
    return torch.cuda.is_available() or torch.backends.mps.is_available() or bool(xpu and xpu.is_available())


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


def fit_linear(model, train_set: datasets.Dataset, label_columns: list[str], model_args: ModelArguments):
    """Fits the linear part on the training rows (NB-LR) and freezes it: the recurrent part trains alone."""
    part = model.text_features
    rows = tfidf_rows(train_set["text_feature_ids"], train_set["text_feature_counts"], part.idf.numpy(),
                      model.config.text_feature_groups, model.config.text_feature_sublinear_tf)  # fmt: skip
    labels = np.asarray(train_set["labels"]).reshape(len(train_set), len(label_columns))
    fit = fit_linear_part(part, rows, labels, c_grid=sorted(model_args.linear_c))
    part.requires_grad_(False)
    return fit


def build_trainer(
    model, tokenizer, train_set, eval_set, args: RNNTrainingArguments, callbacks=None
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
    if args.num_train_epochs < 0:  # the preset's: the recurrent part of the blend needs fewer epochs
        args.num_train_epochs = 3.0 if model_args.uses_text_features else 5.0
    with args.main_process_first(desc="reading data"):
        train_table, valid_table = prepare_tables(data_args)
    check_auc_defined(valid_table, data_args.label_columns)
    check_vectors_source(model_args.vectors)
    resume = check_output_dir(args)
    # The raw-text features are fitted on the training texts only, as the peers' vectorizers are.
    text_features = (
        fit_text_features(list(train_table[data_args.text_column])) if model_args.uses_text_features else None
    )
    tokenizer = fit_tokenizer(model_args, data_args, train_table, valid_table, text_features)
    tokenizer, vectors = load_vocabulary_vectors(model_args, tokenizer)
    model, coverage = build_model(model_args, tokenizer, vectors, data_args.label_columns, text_features)
    if args.process_index == 0:
        print(coverage)
    encode = dict(
        tokenizer=tokenizer, text_column=data_args.text_column, label_columns=data_args.label_columns,
        max_length=model_args.max_length,
    )  # fmt: skip
    with args.main_process_first(desc="tokenizing"):
        train_set, valid_set = (
            tokenize_dataset(train_table, **encode),
            tokenize_dataset(valid_table, **encode),
        )
    if text_features is not None:
        fit_linear(model, train_set, data_args.label_columns, model_args)
        blend = BlendCallback(train_set, model_args.recurrent_weight, args.per_device_eval_batch_size)
        callbacks = [*(callbacks or []), blend]
    trainer = build_trainer(model, tokenizer, train_set, valid_set, args, callbacks)
    if text_features is not None:
        blend.collator = trainer.data_collator
    train_output = trainer.train(resume_from_checkpoint=resume)
    prediction = trainer.predict_in_row_order(valid_set, metric_key_prefix="eval")
    logits = torch.as_tensor(np.asarray(prediction.predictions, dtype=np.float64))
    scores = scores_from_logits(logits.reshape(len(logits), -1), model.config).numpy()
    metrics = {**train_output.metrics, **prediction.metrics}
    labels, texts = np.asarray(prediction.label_ids), list(valid_table[data_args.text_column])
    return TrainingRun(trainer, tokenizer, coverage, metrics, scores, labels, texts)
