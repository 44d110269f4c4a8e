"""GloVe + LSTM / GRU / BiLSTM text classifiers as transformers models.

Shipped next to the weights by ``save_pretrained``: imports only the standard library, torch and
transformers, so ``trust_remote_code=True`` works where rnn-models is not installed.
"""

import re

import torch
import torch.nn.functional as F
from torch import nn
from transformers import PreTrainedModel
from transformers.modeling_outputs import SequenceClassifierOutput

from .bag_of_ngrams import NgramLogits
from .classifier_head import ClassifierHead
from .configuration_rnn import RNNConfig
from .from_vectors import config_for_matrix, embedding_matrix, words_by_id
from .keras_padding import keras_pad
from .modeling_outputs import RNNModelOutput
from .problem_type import classification_loss
from .recurrent_layers import ChannelDropout, RecurrentLayer, length_chunks
from .text_feature_logits import RENAMED_KEYS, TextFeatureLogits
from .weight_init import init_keras_weights

__all__ = ["RNNForSequenceClassification", "RNNModel", "RNNModelOutput", "RNNPreTrainedModel"]

# What one recurrent step costs beyond its rows' work, counted in rows (see `length_chunks`): about 3
# (lstm, bilstm) to 8 (gru) on a 2-core CPU with PyTorch 2.13. On a GPU a step's launch cost outweighs
# many rows, so batches split only around very long rows (not measured yet).
STEP_OVERHEAD_ROWS = {"cpu": 8, "cuda": 256}

# Checkpoint keys renamed since a folder was saved: from_pretrained's ``key_mapping`` (regex -> key) reads them.
KEY_MAPPING = {re.escape(f"text_features.{old}"): f"text_features.{new}" for old, new in RENAMED_KEYS.items()}


def _table_in_float16(module: nn.Module, state_dict: dict, prefix: str, local_metadata: dict) -> None:
    """Saves the frozen table at half the size; loading casts it back to the parameter's float32."""
    state_dict[prefix + "weight"] = state_dict[prefix + "weight"].to(torch.float16)


class RNNPreTrainedModel(PreTrainedModel):
    """The base of this package's models: `RNNConfig`, Keras's initialisation, loading and saving.

    Example:
        >>> model = RNNForSequenceClassification(RNNConfig.from_preset("lstm", vocab_size=10, embedding_dim=4))
        >>> isinstance(model, RNNPreTrainedModel), model.base_model_prefix, model.main_input_name
        (True, 'rnn', 'input_ids')
    """

    config_class = RNNConfig
    base_model_prefix = "rnn"
    main_input_name = "input_ids"
    # forward() takes no **kwargs, but say it outright: Trainer must scale the loss for accumulation.
    accepts_loss_kwargs = False
    _no_split_modules = ["RecurrentLayer"]

    def _init_weights(self, module: nn.Module) -> None:
        """Keras's defaults, sparing what ``from_pretrained`` loaded (`weight_init.init_keras_weights`)."""
        init_keras_weights(module, self.config.initializer_range)

    @classmethod
    def from_pretrained(cls, *args, **kwargs):
        """`PreTrainedModel.from_pretrained`, then re-freezes the embeddings if the config says so.

        transformers re-wraps every loaded tensor as a trainable parameter; this puts the freeze back.
        Weights load from safetensors only, unless ``use_safetensors=False`` opts in to pickled files. Keys renamed
        since a folder was saved load under their new names (`KEY_MAPPING`; transformers saves such a model with
        the names its checkpoint had, which load the same way).
        """
        kwargs.setdefault("use_safetensors", True)  # a pickle can run code: never by default
        kwargs["key_mapping"] = {**KEY_MAPPING, **(kwargs.get("key_mapping") or {})}
        loaded = super().from_pretrained(*args, **kwargs)
        model = loaded[0] if isinstance(loaded, tuple) else loaded
        model.apply_embedding_freeze()
        return loaded

    def apply_embedding_freeze(self) -> None:
        """Sets ``requires_grad`` of the embedding table from ``config.freeze_embeddings``."""
        self.get_input_embeddings().weight.requires_grad_(not self.config.freeze_embeddings)

    def load_embedding_matrix(self, matrix) -> None:
        """Copies pretrained vectors (e.g. GloVe) into the embedding table; freezing follows the config.

        Example:
            >>> import torch
            >>> from rnn_models import RNNConfig, RNNForSequenceClassification
            >>> model = RNNForSequenceClassification(RNNConfig(vocab_size=3, embedding_dim=2, hidden_size=4))
            >>> model.load_embedding_matrix(torch.tensor([[0.0, 0.0], [1.0, 2.0], [3.0, 4.0]]))
            >>> model.get_input_embeddings().weight.requires_grad
            False
        """
        embeddings = self.get_input_embeddings()
        matrix = torch.as_tensor(matrix, dtype=embeddings.weight.dtype)
        expected = tuple(embeddings.weight.shape)
        if tuple(matrix.shape) != expected:
            raise ValueError(
                f"Embedding matrix has shape {tuple(matrix.shape)}, expected {expected} "
                "(config.vocab_size, config.embedding_dim); build the config from the same tokenizer and vectors."
            )
        with torch.no_grad():
            embeddings.weight.copy_(matrix)
        self.apply_embedding_freeze()

    @classmethod
    def from_vectors(cls, config_or_preset, tokenizer, vectors, **overrides):
        """A new model with pretrained vectors in its embedding table (frozen if the config says so).

        ``config_or_preset`` is an `RNNConfig` or a preset name (``"lstm"``, ``"gru"``, ``"bilstm"``),
        ``overrides`` are config fields. ``vectors`` is a ``(vocab_size, embedding_dim)`` matrix whose
        rows follow the tokenizer's ids, or an object with ``embedding_matrix(tokenizer)`` (as
        ``rnn_models.WordVectors``) or with a ``matrix`` attribute. ``vocab_size`` and
        ``embedding_dim`` follow the matrix; the given config is not modified.

        Example:
            >>> import torch
            >>> from rnn_models import RNNForSequenceClassification
            >>> model = RNNForSequenceClassification.from_vectors("gru", {"the": 1, "cat": 2}, torch.rand(3, 4))
            >>> model.config.vocab_size, model.config.embedding_dim, model.get_input_embeddings().weight.requires_grad
            (3, 4, False)
        """
        matrix = embedding_matrix(vectors, tokenizer)
        config = config_for_matrix(cls.config_class, config_or_preset, matrix, overrides)
        model = cls(config)
        model.load_embedding_matrix(matrix)
        if getattr(model, "ngrams", None) is not None:
            model.set_vocabulary(tokenizer)
        return model

    def save_pretrained(self, save_directory, *args, **kwargs):
        """`PreTrainedModel.save_pretrained` (the config lists every Auto class: `RNNConfig.save_pretrained`).

        With ``config.embedding_storage_dtype="float16"`` the table is written in float16, only while saving:
        loading reads ``state_dict()`` for the parameters' dtypes.
        """
        if self.config.embedding_storage_dtype != "float16":
            return super().save_pretrained(save_directory, *args, **kwargs)
        handle = self.get_input_embeddings().register_state_dict_post_hook(_table_in_float16)
        try:
            return super().save_pretrained(save_directory, *args, **kwargs)
        finally:
            handle.remove()


class RNNModel(RNNPreTrainedModel):
    """Embeddings + recurrent encoder + pooling.

    Example:
        >>> import torch
        >>> from rnn_models import RNNConfig, RNNModel
        >>> model = RNNModel(RNNConfig(vocab_size=10, embedding_dim=4, hidden_size=3, bidirectional=True))
        >>> out = model(torch.tensor([[0, 0, 5, 6], [1, 2, 3, 4]]))
        >>> tuple(out.last_hidden_state.shape), tuple(out.pooler_output.shape)
        ((2, 4, 6), (2, 6))
    """

    def __init__(self, config: RNNConfig):
        super().__init__(config)
        # An uninitialized table (_init_weights fills it): nn.Embedding's own init would use the global RNG.
        table = torch.empty(config.vocab_size, config.embedding_dim)
        self.embeddings = nn.Embedding(
            config.vocab_size, config.embedding_dim, padding_idx=config.pad_token_id, _weight=table
        )
        self.embedding_dropout = ChannelDropout(config.embedding_dropout)
        specs = config.layer_specs()
        input_sizes = [config.embedding_dim] + [
            s["hidden_size"] * (1 + s["bidirectional"]) for s in specs[:-1]
        ]
        self.layers = nn.ModuleList(
            RecurrentLayer(config, size, index) for index, size in enumerate(input_sizes)
        )
        self.post_init()
        self.apply_embedding_freeze()

    def get_input_embeddings(self) -> nn.Embedding:
        return self.embeddings

    def set_input_embeddings(self, value: nn.Embedding) -> None:
        self.embeddings = value

    def forward(
        self,
        input_ids: torch.LongTensor,
        attention_mask: torch.Tensor | None = None,
        return_dict: bool | None = None,
    ) -> RNNModelOutput | tuple:
        """``attention_mask`` marks real tokens (left, right or no padding); without it, tokens equal to
        ``pad_token_id`` are padding. In ``keras_compatible`` mode every position is run, like Keras."""
        sequence, pooled, positions = self.encode(input_ids, attention_mask)
        if positions is not None:
            sequence = scatter_to_positions(sequence, positions, self._mask(input_ids, attention_mask))
        return_dict = return_dict if return_dict is not None else self.config.return_dict
        if not return_dict:
            return sequence, pooled
        return RNNModelOutput(last_hidden_state=sequence, pooler_output=pooled)

    def encode(
        self,
        input_ids: torch.LongTensor,
        attention_mask: torch.Tensor | None = None,
        return_sequence: bool = True,
        inputs_embeds: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor | None, torch.Tensor, torch.Tensor | None]:
        """Runs the encoder; returns ``(sequence, pooled, positions)``.

        Without keras_compatible, ``sequence`` holds each row's real steps first (right padding, trimmed
        to the longest row) and ``positions[b, j]`` is the input position of its step ``j``; the batch
        runs in groups of similar length (`length_chunks`). In keras_compatible mode the sequence is
        aligned with the input (the re-padded input when ``config.keras_padding`` is set) and ``positions``
        is None. ``return_sequence=False`` skips assembling it. ``inputs_embeds`` ``(batch, input_len,
        embedding_dim)``, aligned with ``input_ids``, replaces the looked-up vectors (attributions
        differentiate through it); ``input_ids`` still say which tokens are real.
        """
        weights = [layer.recurrent_weights() for layer in self.layers]  # one DropConnect mask per batch
        if self.config.keras_compatible:
            as_given = (
                attention_mask is None and input_ids.shape[1] == self.config.max_length
            )  # Keras's input
            if self.config.keras_padding is not None and not as_given:  # pad as the Keras app did
                if inputs_embeds is not None:
                    raise ValueError(
                        "inputs_embeds for a keras_compatible model must follow its Keras input: pad input_ids "
                        "with keras_pad to config.max_length first and pass no attention_mask"
                    )
                input_ids = keras_pad(
                    input_ids,
                    self._mask(input_ids, attention_mask),
                    self.config.max_length,
                    self.config.keras_padding,
                    self.config.keras_truncating,
                    self.config.pad_token_id or 0,
                )
            x, final = self._run_layers(input_ids, None, weights, inputs_embeds)
            return x, self._pool(x, final, None), None
        mask = self._mask(input_ids, attention_mask)
        if input_ids.shape[1] == 0:  # a batch of empty texts: one padding step each, like any empty text
            input_ids, mask = (
                F.pad(input_ids, (0, 1), value=self.config.pad_token_id or 0),
                F.pad(mask, (0, 1)),
            )
            inputs_embeds = None  # a padding step's vector is the table's, whatever was given for no tokens
        lengths = mask.sum(dim=1).clamp(min=1)  # (batch,); empty texts run one padding step
        # Real tokens first, in their original order: any padding side becomes right padding.
        positions = torch.argsort((mask == 0).to(torch.int8), dim=1, stable=True)[:, : int(lengths.max())]
        ids = input_ids.gather(1, positions)  # (batch, longest)
        if inputs_embeds is not None:
            inputs_embeds = inputs_embeds.gather(
                1, positions.unsqueeze(-1).expand(-1, -1, inputs_embeds.shape[-1])
            )  # (batch, longest, embedding_dim)
        groups = length_chunks(lengths, STEP_OVERHEAD_ROWS.get(ids.device.type, STEP_OVERHEAD_ROWS["cuda"]))
        sequences, pooled = [], []
        for rows in groups:
            group_lengths = lengths[rows]
            longest = int(group_lengths.max())
            embeds = None if inputs_embeds is None else inputs_embeds[rows, :longest]
            x, final = self._run_layers(ids[rows, :longest], group_lengths, weights, embeds)
            pooled.append(self._pool(x, final, group_lengths))  # (group, hidden * directions)
            if return_sequence:
                sequences.append(F.pad(x, (0, 0, 0, ids.shape[1] - x.shape[1])))
        restore = torch.argsort(torch.cat(groups))  # back to the batch's row order
        sequence = torch.cat(sequences)[restore] if return_sequence else None
        return sequence, torch.cat(pooled)[restore], positions

    def _run_layers(
        self,
        ids: torch.Tensor,
        lengths: torch.Tensor | None,
        weights: list[dict],
        embeds: torch.Tensor | None,
    ):
        embeds = self.embeddings(ids) if embeds is None else embeds  # (batch, seq_len, embedding_dim)
        x = self.embedding_dropout(embeds)
        for layer, layer_weights in zip(self.layers, weights, strict=True):
            x, final = layer(x, lengths, layer_weights)  # x: (batch, seq_len, hidden * directions)
        return x, final

    def _mask(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None) -> torch.Tensor:
        if attention_mask is not None:
            return attention_mask.to(torch.long)
        if self.config.pad_token_id is None:
            return torch.ones_like(input_ids)
        return (input_ids != self.config.pad_token_id).to(torch.long)

    def _pool(self, x: torch.Tensor, final: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
        if self.config.pooling == "last":
            return final  # (batch, hidden * directions)
        if lengths is None:
            pooled = {"max": x.amax(dim=1), "mean": x.mean(dim=1)}
        else:
            valid = torch.arange(x.shape[1], device=x.device).unsqueeze(0) < lengths.to(x.device).unsqueeze(1)
            valid = valid.unsqueeze(-1)  # (batch, seq_len, 1)
            pooled = {
                "max": x.masked_fill(~valid, torch.finfo(x.dtype).min).amax(dim=1),
                "mean": (x * valid).sum(dim=1) / lengths.to(x.device, x.dtype).unsqueeze(-1),
            }
        if self.config.pooling == "max_mean":
            return torch.cat([pooled["max"], pooled["mean"]], dim=-1)  # (batch, 2 * hidden * directions)
        return pooled[self.config.pooling]


def scatter_to_positions(sequence: torch.Tensor, positions: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Puts right-aligned step outputs back at their input positions; padding positions get zeros."""
    batch, _, width = sequence.shape
    out = sequence.new_zeros(batch, mask.shape[1], width)  # (batch, input_len, hidden * directions)
    out.scatter_(1, positions.unsqueeze(-1).expand(-1, -1, width), sequence)
    return out * mask.unsqueeze(-1).to(out.dtype)


class RNNForSequenceClassification(RNNPreTrainedModel):
    """`RNNModel` + ``config.head_layers`` (if any) + dropout + linear output layer: the Keras ``Dense(num_labels)`` as logits.

    With ``config.text_feature_size`` (the default preset), a linear model over the raw text's n-grams
    (``text_feature_ids`` / ``text_feature_counts`` from the tokenizer) gives the logit, plus
    ``config.recurrent_logit_scale`` times the recurrent part's; in training mode only the recurrent part's.

    Loss (only when ``labels`` are given): binary cross-entropy on logits for ``num_labels == 1`` and for
    ``problem_type="multi_label_classification"``, mean squared error for ``problem_type="regression"``,
    cross-entropy otherwise (`problem_type.classification_loss`; the scores to show for the logits:
    `problem_type.scores_from_logits`).

    Example:
        >>> import torch
        >>> from rnn_models import RNNConfig, RNNForSequenceClassification
        >>> model = RNNForSequenceClassification(RNNConfig.from_preset("lstm", vocab_size=10, embedding_dim=4))
        >>> out = model(torch.tensor([[0, 3, 4]]), labels=torch.tensor([1.0]))
        >>> tuple(out.logits.shape), out.loss.ndim
        ((1, 1), 0)
    """

    def __init__(self, config: RNNConfig):
        super().__init__(config)
        self.rnn = RNNModel(config)
        self.head = ClassifierHead(config) if config.head_layers else None
        self.dropout = nn.Dropout(config.classifier_dropout)
        self.classifier = nn.Linear(config.classifier_input_size, config.num_labels)
        self.ngrams = NgramLogits(config) if config.ngram_buckets else None
        self.text_features = TextFeatureLogits(config) if config.text_feature_size else None
        self.post_init()
        self.apply_embedding_freeze()

    def set_vocabulary(self, tokenizer_or_word_index) -> None:
        """Gives the bag of n-grams (``config.ngram_buckets > 0``) the words behind the ids.

        Takes an `RNNTokenizerFast` (its ``embedding_index``: Keras ids, then words from the vectors), a
        tokenizer with ``word_index`` or a ``word -> id`` dict. Does nothing for a model without the bag.
        """
        if self.ngrams is not None:
            self.ngrams.set_vocabulary(words_by_id(tokenizer_or_word_index, self.config.vocab_size))

    def part_logits(
        self,
        input_ids,
        attention_mask=None,
        text_feature_ids=None,
        text_feature_counts=None,
        inputs_embeds=None,
    ):
        """``(recurrent part's logits, linear part's logits or None)``, each ``(batch, num_labels)``, unblended.

        ``inputs_embeds``: vectors to read in place of the table's (`RNNModel.encode`), for attributions.
        """
        _, pooled, _ = self.rnn.encode(
            input_ids, attention_mask, return_sequence=False, inputs_embeds=inputs_embeds
        )
        features = pooled if self.head is None else self.head(pooled)  # (batch, classifier_input_size)
        logits = self.classifier(self.dropout(features))  # (batch, num_labels)
        if self.ngrams is not None:
            logits = logits + self.ngrams(input_ids, self.rnn._mask(input_ids, attention_mask))
        if self.text_features is None or self.training:
            return logits, None
        if text_feature_ids is None or text_feature_counts is None:
            raise ValueError(
                "This model also reads features of the raw text: pass text_feature_ids and text_feature_counts as "
                "its tokenizer makes them (where rnn-models is not installed, load the tokenizer with "
                "AutoTokenizer.from_pretrained(..., trust_remote_code=True))."
            )
        return logits, self.text_features(text_feature_ids, text_feature_counts)

    def forward(
        self,
        input_ids: torch.LongTensor,
        attention_mask: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        return_dict: bool | None = None,
        text_feature_ids: torch.LongTensor | None = None,
        text_feature_counts: torch.Tensor | None = None,
    ) -> SequenceClassifierOutput | tuple:
        logits, linear = self.part_logits(input_ids, attention_mask, text_feature_ids, text_feature_counts)
        if linear is not None:  # None in training mode: the recurrent part learns alone
            scale = self.config.recurrent_logit_scale  # a number, or one per label: broadcast over the labels
            logits = linear + torch.as_tensor(scale, dtype=logits.dtype, device=logits.device) * logits
        loss = None if labels is None else classification_loss(logits, labels, self.config)
        return_dict = return_dict if return_dict is not None else self.config.return_dict
        if not return_dict:
            return (logits,) if loss is None else (loss, logits)
        return SequenceClassifierOutput(loss=loss, logits=logits)
