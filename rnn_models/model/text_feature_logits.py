"""The linear part over the raw text's n-grams (`text_features`): TF-IDF rows times one weight per n-gram and label.

For ``config.text_feature_size > 0``. The rows are built as scikit-learn's ``TfidfVectorizer(sublinear_tf=True)``
builds them, one L2 norm per group (word n-grams, character n-grams: two vectorizers side by side), and the
weights are a linear model's on those rows. Training fits them as NB-LR does (naive Bayes log-count ratios
scaling the rows, then logistic regression), and stores ratio x coefficient in one table, so the model computes
exactly the fitted linear model's logit (`rnn_models.training.linear_fit` and its tests; the n-grams and their idf:
`rnn_models.text.text_feature_fitting`).

Shipped next to the weights: imports only torch and the configuration.
"""

import torch
from torch import nn

from .configuration_rnn import RNNConfig

__all__ = ["RENAMED_KEYS", "TextFeatureLogits"]

# State-dict keys of folders saved before the weight table was named ``feature_weights`` (it was ``weight``, whose
# ``part.weight.weight`` read as a typo): old key -> new key, relative to this module.
RENAMED_KEYS = {"weight.weight": "feature_weights.weight"}


def _rename_old_keys(module, state_dict, prefix, *args) -> None:
    """A ``load_state_dict`` pre-hook: an old folder's ``weight.weight`` is this module's ``feature_weights``."""
    for old, new in RENAMED_KEYS.items():
        if prefix + old in state_dict and prefix + new not in state_dict:
            state_dict[prefix + new] = state_dict.pop(prefix + old)


class TextFeatureLogits(nn.Module):
    """``(ids, counts) -> (batch, num_labels)`` logits of a linear model on TF-IDF rows.

    Example:
        >>> from rnn_models import RNNConfig
        >>> config = RNNConfig(vocab_size=5, embedding_dim=2, text_feature_size=4, text_feature_groups=[1, 3])
        >>> part = TextFeatureLogits(config)
        >>> with torch.no_grad():
        ...     _ = part.feature_weights.weight.fill_(1.0)
        >>> part(torch.tensor([[1, 2, 3]]), torch.tensor([[1, 1, 1]])).tolist()  # two words, one character n-gram
        [[2.4142...]]
    """

    def __init__(self, config: RNNConfig):
        super().__init__()
        self.sublinear_tf = config.text_feature_sublinear_tf
        self.feature_weights = nn.Embedding(config.text_feature_size, config.num_labels, padding_idx=0)
        self.bias = nn.Parameter(torch.zeros(config.num_labels))
        self.register_buffer("idf", torch.ones(config.text_feature_size))
        # ids at or above each later group's first id belong to that group (one L2 norm per group)
        self.register_buffer("group_starts", torch.tensor(config.text_feature_groups[1:], dtype=torch.long))
        self.register_load_state_dict_pre_hook(_rename_old_keys)

    def rows(self, ids: torch.Tensor, counts: torch.Tensor) -> torch.Tensor:
        """The TF-IDF values of each (id, count) pair, normalised per row and group: ``(batch, k)``."""
        counts = counts.to(self.idf.dtype)
        tf = (
            torch.where(counts > 0, 1.0 + torch.log(counts.clamp(min=1.0)), 0.0)
            if self.sublinear_tf
            else counts
        )
        values = tf * self.idf[ids]  # (batch, k)
        group = (ids.unsqueeze(-1) >= self.group_starts).sum(-1)  # (batch, k) group index
        squares = torch.zeros(
            ids.shape[0], len(self.group_starts) + 1, dtype=values.dtype, device=values.device
        )
        squares = squares.scatter_add(1, group, values * values)  # (batch, groups)
        norms = squares.sqrt().clamp(min=1e-12).gather(1, group)  # (batch, k)
        return values / norms

    def feature_logits(self, ids: torch.Tensor, counts: torch.Tensor) -> torch.Tensor:
        """Each n-gram's term of the logit, ``(batch, k, num_labels)``: they sum to the logit minus the bias
        (exactly, the model being linear in the normalised row), so explanations need no approximation."""
        return self.rows(ids, counts).unsqueeze(-1) * self.feature_weights(ids)

    def forward(self, ids: torch.Tensor, counts: torch.Tensor) -> torch.Tensor:
        rows = self.rows(ids, counts)  # (batch, k)
        return torch.einsum("bk,bkl->bl", rows, self.feature_weights(ids)) + self.bias  # (batch, num_labels)
