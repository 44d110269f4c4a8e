"""The options of the main job (`rnn-models train`): the model, the data, and transformers' `TrainingArguments`
with the Keras notebook's defaults."""

from dataclasses import dataclass, field

import torch
from transformers import TrainingArguments

from ..model.configuration_rnn import DEFAULT_PRESET, PRESETS, TEXT_FEATURE_PRESETS
from ..text.tables import DEMO_DATA

__all__ = ["DataArguments", "ModelArguments", "RNNTrainingArguments"]


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
    blend_rows: float = field(
        default=0.1,
        metadata={
            "help": "Share of the training rows the recurrent part does not train on: the blend's weights are "
            "measured there, out of sample (with the linear part's out-of-fold logits)."
        },
    )

    @property
    def uses_text_features(self) -> bool:
        return self.preset in TEXT_FEATURE_PRESETS if self.text_features is None else self.text_features

    def __post_init__(self) -> None:
        if self.recurrent_weight < 0 or not self.linear_c or min(self.linear_c) <= 0:
            raise ValueError("--recurrent_weight must be >= 0 and --linear_c one or more numbers > 0")
        if not 0 < self.blend_rows < 1:
            raise ValueError(
                f"--blend_rows {self.blend_rows} is invalid; expected a share of the training rows in (0, 1)"
            )
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
