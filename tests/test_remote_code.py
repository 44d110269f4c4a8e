"""A saved folder works through trust_remote_code where rnn-models is not installed."""

import json

import torch
from helpers import run_without_rnn_models

from conftest import tiny_config
from rnn_models import RNNForSequenceClassification

IDS = [[0, 0, 5, 6, 7], [3, 4, 0, 0, 0], [9, 8, 7, 6, 5]]
MASK = [[0, 0, 1, 1, 1], [1, 1, 0, 0, 0], [1, 1, 1, 1, 1]]

CHILD = """
import json, sys, torch
from transformers import AutoModel, AutoModelForSequenceClassification
try:
    import rnn_models
    raise SystemExit("rnn_models should not be importable here")
except ImportError:
    pass
folder, ids, mask = sys.argv[1], torch.tensor(IDS), torch.tensor(MASK)
classifier = AutoModelForSequenceClassification.from_pretrained(folder, trust_remote_code=True).eval()
base = AutoModel.from_pretrained(folder, trust_remote_code=True).eval()
with torch.no_grad():
    logits = classifier(ids, attention_mask=mask).logits
    pooled = base(ids, attention_mask=mask).pooler_output
print(json.dumps({
    "classifier": type(classifier).__name__,
    "base": type(base).__name__,
    "module": type(classifier).__module__,
    "frozen": not classifier.get_input_embeddings().weight.requires_grad,
    "logits": logits.tolist(),
    "pooled": pooled.tolist(),
}))
"""


def test_trust_remote_code_without_the_package_gives_identical_outputs(tmp_path):
    model = RNNForSequenceClassification(tiny_config("bilstm")).eval()
    model.load_embedding_matrix(torch.randn(30, 6))
    model.save_pretrained(tmp_path)
    code = f"IDS = {IDS}\nMASK = {MASK}\n" + CHILD.replace("sys.argv[1]", repr(str(tmp_path)))
    result = json.loads(run_without_rnn_models(code).strip().splitlines()[-1])

    assert result["classifier"] == "RNNForSequenceClassification" and result["base"] == "RNNModel"
    assert result["module"].startswith("transformers_modules.")
    assert result["frozen"]
    ids, mask = torch.tensor(IDS), torch.tensor(MASK)
    with torch.no_grad():
        torch.testing.assert_close(torch.tensor(result["logits"]), model(ids, attention_mask=mask).logits)
        torch.testing.assert_close(torch.tensor(result["pooled"]), model.rnn(ids, mask).pooler_output)
