"""Train → `rnn-models push` → load from the (local, in-memory) Hub where rnn-models is not installed."""

import json

import pandas as pd
import pytest
from builders import fingerprint, make_dataset
from helpers import run_without_rnn_models
from hub_server import WRITE_TOKEN
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from rnn_models.commands.cli import main
from rnn_models.serving.inference import load_model, predict_scores

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=:DeprecationWarning")

REPO = "tester/toxic-gru"
TEXTS = ["thanks for the helpful citation", "you pathetic idiot", "this page is a stupid edit"]
PUSHED = {
    "model.safetensors", "config.json", "configuration_rnn.py", "modeling_rnn.py", "recurrent_layers.py",
    "bag_of_ngrams.py", "classifier_head.py", "keras_padding.py", "from_vectors.py", "problem_type.py", "tokenizer.json",
    "modeling_outputs.py", "presets.py", "text_feature_logits.py", "weight_init.py",  # the model
    "tokenization_text_features.py", "text_features.py", "text_features.json",  # the raw-text features
    "tokenizer_config.json", "README.md", "roc_curve.png", "eval_results.json",
}  # fmt: skip

CHILD = """
import json, torch
from huggingface_hub import ModelCard
from transformers import AutoModelForSequenceClassification, AutoTokenizer, pipeline
# The tokenizer itself is no remote code (tokenizer.json holds it all); the flag lets the config class load.
tokenizer = AutoTokenizer.from_pretrained(REPO, trust_remote_code=True)
model = AutoModelForSequenceClassification.from_pretrained(REPO, trust_remote_code=True).eval()
batch = tokenizer(TEXTS, padding=True, return_tensors="pt")
with torch.no_grad():
    scores = torch.sigmoid(model(**batch).logits)[:, 0].tolist()
classifier = pipeline("text-classification", model=REPO, trust_remote_code=True)
card = ModelCard.load(REPO)
print("RESULT", json.dumps({
    "scores": scores,
    "pipeline": [r["score"] for r in classifier(TEXTS)],
    "validation": [r["score"] for r in classifier(VALIDATION)],
    "labels": [r["label"] for r in classifier(TEXTS)],
    "card_tags": card.data.tags,
    "card_results": [(r.metric_name, r.metric_value) for r in card.data.eval_results],
    "snippet": 'model="%s"' % REPO in card.text,
}))
"""


@pytest.fixture(scope="module")
def trained_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("e2e")
    csv, vectors = make_dataset(folder)
    argv = [
        "train", "--train_file", str(csv), "--vectors", str(vectors), "--output_dir", str(folder / "toxic-gru"),
        "--num_train_epochs", "2", "--per_device_train_batch_size", "16",  # the default preset, bigru_ngrams
        "--learning_rate", "0.01", "--disable_tqdm", "true", "--no_vectors_cache",
    ]  # fmt: skip
    assert main(argv) == 0
    return folder / "toxic-gru"


def test_pushed_model_loads_without_the_package_with_the_same_scores(local_hub, trained_dir, capfd):
    before = fingerprint(trained_dir)
    assert main(["push", "--model", str(trained_dir), "--repo_id", REPO]) == 0
    assert fingerprint(trained_dir) == before  # the local folder is only read
    assert set(local_hub.files(REPO)) >= PUSHED
    assert not any(
        name.startswith(("checkpoint-", ".")) for name in local_hub.files(REPO) if name != ".gitattributes"
    )
    config = json.loads(local_hub.files(REPO)["config.json"])
    assert (
        config["auto_map"]["AutoModelForSequenceClassification"]
        == "modeling_rnn.RNNForSequenceClassification"
    )

    # The validation rows as the train command's split takes them (stratified, random_state 42), from the CSV.
    table = pd.read_csv(trained_dir.parent / "train.csv")
    _, rows = train_test_split(range(len(table)), test_size=0.2, random_state=42, stratify=table["toxic"])
    validation = table.iloc[rows]
    code = f"REPO = {REPO!r}\nTEXTS = {TEXTS!r}\nVALIDATION = {list(validation['comment_text'])!r}\n" + CHILD
    output = run_without_rnn_models(code, env=local_hub.env())
    assert "Do you wish to run the custom code?" not in output  # nothing prompts
    remote = json.loads(next(line for line in output.splitlines() if line.startswith("RESULT "))[7:])
    model, tokenizer = load_model(str(trained_dir), device="cpu")
    local = predict_scores(model, tokenizer, TEXTS)[:, 0].tolist()
    assert remote["scores"] == pytest.approx(local, abs=1e-6)
    assert remote["pipeline"] == pytest.approx(local, abs=1e-6) and remote["labels"] == ["toxic"] * 3
    assert {"rnn", "lstm", "bidirectional", "toxicity"} <= set(remote["card_tags"])  # bilstm_ngrams
    # The card's figure is the ROC AUC of the pushed model's pipeline scores on the validation rows (sklearn).
    expected = roc_auc_score(validation["toxic"], remote["validation"])
    assert remote["card_results"] == [["ROC AUC (toxic)", pytest.approx(expected, abs=1e-6)]]
    assert remote["snippet"]  # the card was re-rendered with the repository id
    assert WRITE_TOKEN not in capfd.readouterr().out


def test_train_with_push_to_hub_uses_the_trainer_arguments(local_hub, tmp_path, capfd):
    csv, vectors = make_dataset(tmp_path)
    argv = [
        "train", "--train_file", str(csv), "--vectors", str(vectors), "--output_dir", str(tmp_path / "out"),
        "--max_steps", "2", "--disable_tqdm", "true", "--no_vectors_cache", "--push_to_hub",
        "--hub_model_id", "tester/pushed-by-train",
    ]  # fmt: skip
    assert main(argv) == 0
    files = local_hub.files("tester/pushed-by-train")
    assert set(files) >= PUSHED and "training_args.bin" not in files
    assert 'model="tester/pushed-by-train"' in files["README.md"].decode()
    captured = capfd.readouterr()
    assert WRITE_TOKEN not in captured.out + captured.err
