"""Serving through ONNX Runtime: the same scores as `predict_scores`, at 0.97x (bilstm) to 1.48x (lstm) its speed
on 4,000 real comments on 2 CPU cores (``benchmarks/serving_cpu.json``; the bag-of-n-grams presets not timed).

The exported graph runs the recurrent layers over its whole input with ONNX's native LSTM / GRU ops;
the eager path's per-row masking is not exported. So that its scores equal the eager model's, texts
are batched by exact token count: no batch holds padding. Figures: `scripts/benchmark.py serving`;
`torch.compile` was measured too and did not help.

Needs the ``onnx`` extra: ``pip install "rnn-models[onnx]"``.
"""

import contextlib
import copy
import logging
import sys
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..model.problem_type import scores_from_logits
from ..model.tokenization_text_features import FEATURE_KEYS
from .inference import progress_bar
from .sharding import Shard

__all__ = ["OnnxClassifier", "exact_length_batches", "export_onnx"]

ONNX_FILE = "model.onnx"
INSTALL_HINT = 'ONNX serving needs onnxruntime, onnx and onnxscript: pip install "rnn-models[onnx]"'


class _FullLengthLogits(nn.Module):
    """``input_ids -> logits`` over every position: the form ONNX's LSTM / GRU ops take."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = copy.deepcopy(model).cpu().float().eval()
        self.model.config.keras_compatible = True  # no masking in the graph; batches carry no padding
        self.model.config.keras_padding = None  # OnnxClassifier pads as the tokenizer says, before the graph

    def forward(
        self, input_ids: torch.Tensor, text_feature_ids=None, text_feature_counts=None
    ) -> torch.Tensor:
        return self.model(
            input_ids, text_feature_ids=text_feature_ids, text_feature_counts=text_feature_counts
        ).logits


def export_onnx(model: nn.Module, path: str | Path) -> Path:
    """Writes ``model`` (an `RNNForSequenceClassification`) as an ONNX graph ``input_ids -> logits`` (plus
    ``text_feature_ids`` and ``text_feature_counts`` inputs for a model that reads the raw text's n-grams).

    The file is written under a temporary name and renamed, so an interrupted export leaves no half file.

    Example:
        >>> import tempfile
        >>> from rnn_models import RNNConfig, RNNForSequenceClassification
        >>> model = RNNForSequenceClassification(RNNConfig.from_preset("gru", vocab_size=10, embedding_dim=4))
        >>> export_onnx(model, tempfile.mkdtemp() + "/model.onnx").name
        'model.onnx'
    """
    config = model.config
    if any(
        (spec["cell"] == "gru" and not spec["gru_reset_after"]) or spec["recurrent_activation"] != "sigmoid"
        for spec in config.layer_specs()
    ):
        raise ValueError(
            "export_onnx: a GRU with gru_reset_after=False (the converted TF1 layout) or a hard_sigmoid gate has "
            "no ONNX op; score it with predict_scores instead"
        )
    if config.num_layers > 1:
        # torch.onnx (2.13) specialises the stacked layers' shapes to the example input.
        raise ValueError(
            f"export_onnx: num_layers={config.num_layers} is not exportable yet (the reference presets have "
            "one layer); score it with predict_scores instead"
        )
    _require_onnx()
    path = Path(path)
    example = (torch.ones(2, 3, dtype=torch.long),)
    dynamic_shapes: tuple = ({0: "batch", 1: "sequence"},)
    if config.text_feature_size:  # the raw text's n-grams: ids and counts, as the tokenizer gives them
        example += (torch.ones(2, 4, dtype=torch.long), torch.ones(2, 4, dtype=torch.long))
        dynamic_shapes += ({0: "batch", 1: "features"},) * 2
    _forget_cached_rnn_dispatch()
    with _quiet_exporter():
        program = torch.onnx.export(
            _FullLengthLogits(model).eval(),
            example,
            input_names=["input_ids", *FEATURE_KEYS][: len(example)],
            output_names=["logits"],
            dynamic_shapes=dynamic_shapes,
            dynamo=True,
            verbose=False,
        )
    partial = path.with_name(path.name + ".partial")
    program.save(str(partial))
    partial.replace(path)
    return path


def exact_length_batches(lengths: Sequence[int], batch_size: int) -> Iterator[np.ndarray]:
    """Row indices grouped so that every batch holds texts of one token count, at most ``batch_size``.

    Example:
        >>> [b.tolist() for b in exact_length_batches([3, 1, 3, 3], batch_size=2)]
        [[1], [0, 2], [3]]
    """
    lengths = np.asarray(lengths)
    for length in np.unique(lengths):
        rows = np.flatnonzero(lengths == length)
        for start in range(0, len(rows), batch_size):
            yield rows[start : start + batch_size]


class OnnxClassifier:
    """An exported classifier in an ONNX Runtime session, scoring raw texts like `predict_scores`.

    Example:
        >>> from rnn_models import RNNConfig, RNNForSequenceClassification, RNNTokenizerFast
        >>> tokenizer = RNNTokenizerFast.from_texts(["good day", "bad day"])
        >>> model = RNNForSequenceClassification(RNNConfig(vocab_size=len(tokenizer), embedding_dim=4))
        >>> OnnxClassifier.from_model(model).predict_scores(tokenizer, ["good day", ""]).shape
        (2, 1)
    """

    def __init__(self, onnx_path: str | Path, config):
        ort = _require_onnx()
        self.config = config
        self.session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])

    @classmethod
    def from_model(cls, model: nn.Module, onnx_path: str | Path | None = None) -> "OnnxClassifier":
        """Exports ``model`` (to a temporary file unless ``onnx_path``) and opens a session on it."""
        if onnx_path is not None:
            return cls(export_onnx(model, onnx_path), model.config)
        with tempfile.TemporaryDirectory() as tmp:  # the session keeps the graph in memory
            return cls(export_onnx(model, Path(tmp, ONNX_FILE)), model.config)

    @classmethod
    def for_folder(cls, model_dir: str | Path, model: nn.Module) -> "OnnxClassifier":
        """The folder's exported ``model.onnx`` when there is one, else a fresh export of ``model``.

        An export older than the folder's weights is refused rather than silently used.
        """
        saved, weights = Path(model_dir, ONNX_FILE), Path(model_dir, "model.safetensors")
        if not saved.is_file():
            return cls.from_model(model)
        if weights.is_file() and weights.stat().st_mtime > saved.stat().st_mtime:
            raise ValueError(
                f"{saved} is older than {weights}; export it again: "
                f"rnn-models export-onnx --model {model_dir} --overwrite"
            )
        return cls(saved, model.config)

    def predict_scores(
        self,
        tokenizer,
        texts: Sequence[str],
        *,
        batch_size: int = 256,
        shard: Shard | None = None,
        progress: bool = False,
    ) -> np.ndarray:
        """Scores ``(len(texts), num_labels)`` in the order given; equal to `predict_scores` to ~1e-6.

        ``shard`` and ``progress`` as in `rnn_models.serving.inference.predict_scores`."""
        config = self.config
        padding = "max_length" if config.keras_compatible else False  # Keras mode runs the padded input
        encoded = tokenizer(list(texts), padding=padding, truncation=True, max_length=config.max_length)
        # An empty text runs one padding step, as the eager model does.
        ids = [row or [tokenizer.pad_token_id] for row in encoded["input_ids"]]
        scores = np.full((len(ids), config.num_labels), np.nan, dtype=np.float32)
        batches = list(exact_length_batches([len(row) for row in ids], batch_size))
        with progress_bar(len(ids), progress) as bar:
            for rows, round_rows in (shard or Shard()).take(batches):
                inputs = {"input_ids": np.asarray([ids[i] for i in rows], dtype=np.int64)}
                for key in (k for k in FEATURE_KEYS if k in encoded):
                    width = max(1, *(len(encoded[key][i]) for i in rows))  # one zero column for empty texts
                    inputs[key] = np.asarray(
                        [encoded[key][i] + [0] * (width - len(encoded[key][i])) for i in rows]
                    )
                (logits,) = self.session.run(["logits"], inputs)
                scores[rows] = scores_from_logits(torch.from_numpy(logits), config).numpy()
                bar.update(round_rows)
        return scores


@contextlib.contextmanager
def _quiet_exporter() -> Iterator[None]:
    """The exporter's progress goes to stderr, its internal deprecation warnings nowhere."""
    registration_log = logging.getLogger("torch.onnx._internal.exporter._registration")
    level = registration_log.level
    registration_log.setLevel(logging.ERROR)  # "torchvision is not installed. Skipping ..."
    try:
        with contextlib.redirect_stdout(sys.stderr), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        registration_log.setLevel(level)


def _forget_cached_rnn_dispatch() -> None:
    """Lets torch.onnx's while-loop LSTM / GRU decompositions apply again in this process.

    torch 2.13 registers them as py_kernels for the export only, but the ops' dispatch cache keeps the
    first export's choice; a second export then unrolls the time loop and pins the sequence length.
    """
    for op in (torch.ops.aten.lstm.input, torch.ops.aten.gru.input):
        getattr(op, "_dispatch_cache", {}).clear()


def _require_onnx():
    try:
        import onnxruntime
        import onnxscript  # noqa: F401  (torch.onnx's exporter needs it)
    except ImportError as error:
        raise ImportError(f"{INSTALL_HINT} ({error})") from error
    return onnxruntime
