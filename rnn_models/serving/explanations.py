"""Why was it flagged: each word's contribution to each label's logit, with its span in the raw text.

The words are the raw text's whitespace-separated pieces, punctuation attached, as a reader sees them. Each
part of the model gives its share of the logit to the words:

- **the linear part over the raw text's n-grams** (the default preset): exact. It is linear in the text's
  normalised TF-IDF row, so each n-gram's term (value x weight) goes to the words it lies in, split evenly
  over the tokens of a word n-gram;
- **the bag of Keras-id n-grams**: exact, each token's terms to its word (`NgramLogits.token_logits`);
- **the recurrent part**: Integrated Gradients (Captum) on the word vectors, from the padding token's vector
  at every word's step to the word's own, summed over the vector; each Keras token to the word it lies in.

The baseline is the same text read with the padding token's vector at every word's step and with no n-grams:
its logit is the linear part's bias plus ``recurrent_logit_scale`` x the recurrent part's logit on those
vectors. The contributions add up to the logit minus the baseline's logit: exactly for the linear parts, and
within Integrated Gradients' error for the recurrent part, which is checked for every text and label: the
steps are doubled, then the path cut into pieces where it turns sharply, until the error is under `TOLERANCE`
of ``logit - baseline`` (of `SMALL_DISTANCE` when the logit is closer than that to the baseline's: a share of
nearly nothing is noise); ``residual`` says what is left if the pieces reach `MIN_SEGMENT` or `MAX_PIECES`.

Imports only the standard library, torch and captum (the model's own helpers are reached through the model):
``rnn-models push --space`` copies it next to the demo's ``app.py``.
"""

import importlib
import os
import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field

import torch

__all__ = [
    "MAX_STEPS",
    "MIN_SEGMENT",
    "SMALL_DISTANCE",
    "TOLERANCE",
    "LabelExplanation",
    "TextExplanation",
    "WordContribution",
    "explain",
]

TOLERANCE = 0.01  # the contributions' sum may miss logit - baseline by 1% of it
MAX_STEPS = 128  # the most steps over the whole path; beyond, the path is cut where it turns (MIN_SEGMENT)
MIN_SEGMENT = 2**-16
MAX_PIECES = 64  # pieces of the path integrated for one text and label, at most
SMALL_DISTANCE = 0.1  # a logit this close to the baseline's is held to TOLERANCE x this, in logit units
_WORD = re.compile(r"\S+")
_TOKENS_PER_PASS = 65_536  # interpolated tokens per forward and backward pass: bounds the memory


@dataclass(frozen=True)
class WordContribution:
    """A word of the raw text (``text[start:end]``) and what it added to a label's logit."""

    word: str
    start: int
    end: int
    contribution: float

    def to_dict(self) -> dict:
        return {
            "word": self.word,
            "start": self.start,
            "end": self.end,
            "contribution": round(self.contribution, 6),
        }


@dataclass
class LabelExplanation:
    """One label of one text: its score and logit, the baseline's logit and every word's contribution."""

    label: str
    score: float
    logit: float
    baseline_logit: float
    words: list[WordContribution] = field(default_factory=list)

    @property
    def residual(self) -> float:
        """``logit - baseline_logit - sum(contributions)``: Integrated Gradients' error, near 0."""
        return self.logit - self.baseline_logit - sum(word.contribution for word in self.words)

    def top(self, k: int | None = None) -> list[WordContribution]:
        """The ``k`` words that moved the logit most, either way (largest absolute contribution first)."""
        ranked = sorted(self.words, key=lambda word: -abs(word.contribution))
        return ranked if k is None else ranked[:k]

    def to_dict(self, top_k: int | None = None) -> dict:
        """``{"logit", "baseline_logit", "words"}`` (the ``top_k`` words), rounded to 6 digits as scores are."""
        return {
            "logit": round(self.logit, 6),
            "baseline_logit": round(self.baseline_logit, 6),
            "words": [word.to_dict() for word in self.top(top_k)],
        }


@dataclass
class TextExplanation:
    """A text and its `LabelExplanation` per label name."""

    text: str
    labels: dict[str, LabelExplanation]


def explain(
    model,
    texts: str | Sequence[str],
    tokenizer=None,
    *,
    labels: Sequence[str] | None = None,
    n_steps: int = 16,
    batch_size: int = 16,
) -> list[TextExplanation]:
    """Each word's contribution to each label's logit (module docstring: method and baseline), per text.

    ``model`` is an `RNNForSequenceClassification` with its ``tokenizer``, or a model folder or Hub id (loaded
    with its tokenizer). ``labels``: names to explain (all by default). ``n_steps``: Integrated Gradients' first
    number of steps, doubled for a text whose sum misses by more than `TOLERANCE`.

    Example:
        >>> from rnn_models import RNNConfig, RNNForSequenceClassification, RNNTokenizerFast
        >>> tokenizer = RNNTokenizerFast.from_texts(["you idiot", "thanks a lot"])
        >>> model = RNNForSequenceClassification(RNNConfig(vocab_size=len(tokenizer), embedding_dim=4)).eval()
        >>> [result] = explain(model, "Thanks, you idiot!", tokenizer)
        >>> toxic = result.labels["LABEL_0"]
        >>> [(word.word, word.start, word.end) for word in toxic.words]
        [('Thanks,', 0, 7), ('you', 8, 11), ('idiot!', 12, 18)]
        >>> abs(toxic.residual) <= 0.01 * abs(toxic.logit - toxic.baseline_logit)
        True
    """
    if isinstance(model, (str, os.PathLike)):
        from .inference import load_model  # only in the package: a Space passes a loaded model

        model, tokenizer = load_model(os.fspath(model))
    if tokenizer is None:
        raise ValueError("explain: pass the model's tokenizer, or a model folder (it holds the tokenizer)")
    if model.training:
        raise ValueError(
            "explain: the model is in training mode (dropout, no linear part); call model.eval() first"
        )
    texts = [texts] if isinstance(texts, str) else list(texts)
    names = [model.config.id2label[i] for i in range(model.config.num_labels)]
    unknown = sorted(set(labels or ()) - set(names))
    if unknown:
        raise ValueError(f"explain: no label(s) {unknown} in this model; its labels are {names}")
    columns = [names.index(name) for name in labels] if labels else list(range(len(names)))
    results: list[TextExplanation | None] = [None] * len(texts)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # similar lengths together: little padding
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        for row, result in zip(
            rows, _explain_batch(model, tokenizer, [texts[i] for i in rows], columns, n_steps), strict=True
        ):
            results[row] = result
    return results


def _shipped(model, module: str):
    """A module shipped next to the model's weights (`problem_type`, `keras_padding`), from wherever the model
    class was loaded: the package, or a folder read with ``trust_remote_code``."""
    return importlib.import_module(type(model).__module__.rsplit(".", 1)[0] + "." + module)


def _encode(model, tokenizer, texts: list[str]):
    """The model's inputs as `predict` builds them, and each position's token number (+1; 0 for padding)."""
    config = model.config
    encoding = tokenizer(texts, truncation=True, max_length=config.max_length, return_offsets_mapping=True)
    features = {key: encoding[key] for key in ("text_feature_ids", "text_feature_counts") if key in encoding}
    longest = max(len(ids) for ids in encoding["input_ids"])
    padding = "max_length" if config.keras_compatible or longest == 0 else "longest"
    batch = tokenizer.pad(
        {"input_ids": encoding["input_ids"], **features},
        padding=padding,
        max_length=config.max_length if longest else 1,
        return_tensors="pt",
    )
    mask = batch.pop("attention_mask")
    token_number = (mask.cumsum(dim=1) * mask).long()  # (batch, input_len): 1, 2, ... at real tokens
    if config.keras_compatible and config.keras_padding is not None:  # the model's own re-padding, done here
        keras_pad = _shipped(model, "keras_padding").keras_pad
        pad_args = (config.max_length, config.keras_padding, config.keras_truncating)
        token_number = keras_pad(token_number, mask, *pad_args, 0)
        batch["input_ids"] = keras_pad(batch["input_ids"], mask, *pad_args, config.pad_token_id or 0)
        mask = None  # Keras's input as given: the model runs it as it is
    return batch, mask, token_number, encoding["offset_mapping"]


def _explain_batch(model, tokenizer, texts, columns, n_steps) -> list[TextExplanation]:
    device = next(model.parameters()).device
    batch, mask, token_number, offsets = _encode(model, tokenizer, texts)
    batch = {key: value.to(device) for key, value in batch.items()}
    ids = batch.pop("input_ids")
    mask = None if mask is None else mask.to(device)
    recurrent = _RecurrentLogits(model, ids, mask, batch)
    with torch.no_grad():
        # the table's vectors: the text itself
        recurrent_logits, linear = model.part_logits(ids, mask, **batch)
        scale = _blend_scale(model.config, linear is not None, recurrent_logits)  # (labels,)
        logits = recurrent_logits if linear is None else linear + scale * recurrent_logits
        baseline = scale * recurrent(recurrent.reference)  # (batch, labels)
        token_terms = torch.zeros(*ids.shape, model.config.num_labels, device=device)
        if model.ngrams is not None:  # the recurrent logit holds the bag, which the baseline has not
            token_terms = scale * model.ngrams.token_logits(ids, model.rnn._mask(ids, mask))
            baseline = baseline - token_terms.sum(dim=1)
        if linear is not None:
            baseline = baseline + model.text_features.bias
            feature_terms = model.text_features.feature_logits(
                batch["text_feature_ids"], batch["text_feature_counts"]
            )  # (batch, k, labels)
    scores = _shipped(model, "problem_type").scores_from_logits(logits.float(), model.config)
    for column in columns:
        recurrent_terms = recurrent.attributions(column, n_steps, float(scale[column]), logits - baseline)
        token_terms[:, :, column] += scale[column] * recurrent_terms
    names = [model.config.id2label[i] for i in range(model.config.num_labels)]
    results = []
    for row, text in enumerate(texts):
        spans = [match.span() for match in _WORD.finditer(text)]
        per_word = _token_terms_per_word(spans, token_number[row].tolist(), offsets[row], token_terms[row])
        if linear is not None:
            _add_feature_terms(per_word, tokenizer.text_features, text, batch, feature_terms, row)
        labels = {}
        for column in columns:
            words = [
                WordContribution(text[start:end], start, end, float(per_word[i, column]))
                for i, (start, end) in enumerate(spans)
            ]
            labels[names[column]] = LabelExplanation(
                names[column],
                float(scores[row, column]),
                float(logits[row, column]),
                float(baseline[row, column]),
                words,
            )
        results.append(TextExplanation(text, labels))
    return results


def _blend_scale(config, blended: bool, logits: torch.Tensor) -> torch.Tensor:
    """``(labels,)``: each label's weight of the recurrent logit in the blend (``recurrent_logit_scale``, one
    number or one per label), 1 where there is no linear part to blend with."""
    scale = config.recurrent_logit_scale if blended else 1.0
    return torch.as_tensor(scale, dtype=logits.dtype, device=logits.device).expand(config.num_labels)


def _token_terms_per_word(spans, numbers, offsets, terms) -> torch.Tensor:
    """``(words, labels)``: each position's terms added to the word its token starts in."""
    starts = [start for start, _ in spans]
    positions = [position for position, number in enumerate(numbers) if number]  # real tokens only
    words = [max(bisect_right(starts, offsets[numbers[p] - 1][0]) - 1, 0) for p in positions]
    per_word = torch.zeros(len(spans), terms.shape[-1], dtype=torch.float64)
    if positions:
        per_word.index_add_(0, torch.tensor(words), terms[positions].double().cpu())
    return per_word


def _add_feature_terms(per_word, vocabulary, text, features, feature_terms, row) -> None:
    """Spreads each n-gram's term over its occurrences' words (`TextFeatureVocabulary.occurrences`)."""
    found = vocabulary.occurrences(text)[1]
    if not found:
        return
    ids = features["text_feature_ids"][row].tolist()
    counts = features["text_feature_counts"][row].tolist()
    place = {i: k for k, i in enumerate(ids) if i}  # feature id -> its column in this row
    columns = torch.tensor([place[i] for i, _, _ in found])
    weights = torch.tensor([share / counts[place[i]] for i, _, share in found], dtype=torch.float64)
    terms = feature_terms[row].double().cpu()[columns] * weights.unsqueeze(-1)  # (occurrences, labels)
    per_word.index_add_(0, torch.tensor([word for _, word, _ in found]), terms)


class _RecurrentLogits:
    """The recurrent part's logits ``(batch, labels)`` as a function of the word vectors, and their
    Integrated Gradients from the padding token's vector."""

    def __init__(self, model, ids, mask, features):
        self.model, self.ids, self.mask, self.features = model, ids, mask, features
        table = model.get_input_embeddings()
        with torch.no_grad():
            self.embeds = table(ids)  # (batch, input_len, dim)
            self.reference = table(torch.full_like(ids, model.config.pad_token_id or 0))

    def __call__(self, vectors, ids=None, mask=None, *feature_values):
        if ids is None:  # the whole batch
            ids, mask, feature_values = self.ids, self.mask, tuple(self.features.values())
        features = dict(zip(self.features, feature_values, strict=True))
        return self.model.part_logits(ids, mask, **features, inputs_embeds=vectors)[0]

    def attributions(self, column: int, n_steps: int, scale: float, distance: torch.Tensor) -> torch.Tensor:
        """``(batch, input_len)`` attributions to label ``column``, whose blended logit is ``scale`` x this one
        plus the linear parts. A row whose sum misses ``distance`` (the blended logit minus the baseline's) by
        more than `TOLERANCE` of it (of `SMALL_DISTANCE` when it is closer to 0) is integrated again with twice
        the steps, up to `MAX_STEPS`; then, where the path still turns too sharply (a long repeated rant can flip
        the recurrent state within 1% of the path), adaptively: the path is cut in halves, and each half that
        misses its share of the tolerance is cut again, down to `MIN_SEGMENT` of the path. ``scale`` 0: the
        recurrent part adds nothing to the logit, and nothing is integrated."""
        out = torch.zeros(self.ids.shape, device=self.ids.device)
        if scale == 0:
            return out
        # (batch,): the recurrent logit's error budget, TOLERANCE x max(|distance|, SMALL_DISTANCE) / scale > 0
        allowed = TOLERANCE * distance[:, column].abs().clamp(min=SMALL_DISTANCE) / scale
        todo, steps = torch.arange(len(self.ids), device=self.ids.device), n_steps
        # cuDNN computes an RNN's gradients only in training mode; the attributions need them in eval mode.
        with torch.enable_grad(), torch.backends.cudnn.flags(enabled=False):
            while len(todo) and steps <= MAX_STEPS:
                out[todo], delta = self._segment(todo, column, 0.0, 1.0, steps)
                todo, steps = todo[delta.abs() > allowed[todo]], steps * 2
            for row in todo.tolist():
                out[row] = self._adaptive(row, column, n_steps, float(allowed[row]))
        return out

    def _segment(self, rows, column, low, high, steps) -> tuple[torch.Tensor, torch.Tensor]:
        """Integrated Gradients of ``rows`` from the path's point ``low`` to ``high`` (0: the baseline, 1: the
        text), summed per position, and its error (sum minus the logits' difference): they add up along a path."""
        from captum.attr import IntegratedGradients

        masks = None if self.mask is None else self.mask[rows]
        extra = (self.ids[rows], masks, *(value[rows] for value in self.features.values()))
        start, difference = self.reference[rows], self.embeds[rows] - self.reference[rows]
        rows_per_pass = max(1, _TOKENS_PER_PASS // max(1, self.ids.shape[1] * steps))
        attributions, delta = IntegratedGradients(self).attribute(
            start + high * difference,
            baselines=start + low * difference,
            target=column,
            additional_forward_args=extra,
            n_steps=steps,
            internal_batch_size=rows_per_pass * steps,
            return_convergence_delta=True,
        )
        return attributions.sum(dim=-1).detach().float(), delta.detach().float()

    def _adaptive(self, row: int, column: int, steps: int, allowed: float) -> torch.Tensor:
        """One row's attributions over the path cut where needed: each piece's error within its share."""
        rows = torch.tensor([row], device=self.ids.device)
        total = torch.zeros(self.ids.shape[1], device=self.ids.device)
        pieces, integrated = [(0.0, 1.0)], 0
        while pieces:
            low, high = pieces.pop()
            attributions, delta = self._segment(rows, column, low, high, steps)
            integrated += 1
            last = high - low <= MIN_SEGMENT or integrated + len(pieces) >= MAX_PIECES
            if abs(float(delta[0])) <= allowed * (high - low) or last:
                total += attributions[0]
            else:
                middle = (low + high) / 2
                pieces += [(low, middle), (middle, high)]
        return total
