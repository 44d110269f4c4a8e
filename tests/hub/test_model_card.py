"""The model card: rendered from plain facts (text equality with a golden file) and valid metadata."""

import json
import struct
import tomllib
from pathlib import Path

import pytest
from huggingface_hub import ModelCard

from rnn_models import RNNConfig, RNNForSequenceClassification
from rnn_models.hub.card_facts import CardFacts, card_facts_from_folder
from rnn_models.hub.measured import comparison_text
from rnn_models.hub.model_card import (
    FLOAT16_NOTE,
    card_data,
    card_template_path,
    render_model_card,
)

GOLDEN = Path(__file__).parents[1] / "data" / "expected_model_card.md"
LABELS = ["toxic", "threat"]


def trained_folder(tmp_path: Path, **config_fields) -> Path:
    """A folder shaped like `rnn-models train` output (weights untrained; the card only reads facts)."""
    config = RNNConfig.from_preset(
        "gru", vocab_size=1000, embedding_dim=50, num_labels=2, id2label=dict(enumerate(LABELS)),
        problem_type="multi_label_classification", **config_fields,
    )  # fmt: skip
    RNNForSequenceClassification(config).save_pretrained(tmp_path)
    results = {
        "roc_auc": 0.9612,
        "roc_auc_per_label": {"toxic": 0.9612, "threat": None},
        "num_validation_rows": 2400,
        "vectors": {"name": "glove-6b-50d", "coverage": {"words_found": "91.2%", "tokens_found": "98.7%"}},
    }
    (tmp_path / "eval_results.json").write_text(json.dumps(results))
    run_args = {
        "model": {"preset": "gru", "vectors": "glove-6b-50d", "max_length": 1500},
        "data": {"train_file": "train.csv"},
    }
    (tmp_path / "run_args.json").write_text(json.dumps(run_args))
    training = {
        "learning_rate": 0.001,
        "per_device_train_batch_size": 64,
        "num_train_epochs": 5.0,
        "seed": 42,
    }
    (tmp_path / "training_args.json").write_text(json.dumps(training))
    return tmp_path


def test_card_text_equals_the_golden_card(tmp_path):
    text = render_model_card(card_facts_from_folder(trained_folder(tmp_path), "me/toxic-gru"))
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_card_metadata_parses_with_model_card_load(tmp_path):
    path = tmp_path / "README.md"
    path.write_text(render_model_card(card_facts_from_folder(trained_folder(tmp_path / "m"), "me/toxic-gru")))
    data = ModelCard.load(path).data
    assert data.library_name == "transformers" and data.pipeline_tag == "text-classification"
    assert data.metrics == ["roc_auc"] and data.license == "apache-2.0"
    assert {"rnn", "gru", "glove", "toxicity"} <= set(data.tags)
    assert [(r.metric_type, r.metric_name, r.metric_value) for r in data.eval_results] == [
        ("roc_auc", "ROC AUC (toxic)", 0.9612)
    ]  # the undefined label is not claimed


def test_card_of_a_bare_folder_still_renders(tmp_path):
    RNNForSequenceClassification(RNNConfig(vocab_size=10, embedding_dim=4)).save_pretrained(tmp_path)
    text = render_model_card(card_facts_from_folder(tmp_path, "me/bare"))
    assert 'model="me/bare"' in text and "| macro | undefined |" in text
    assert ModelCard.load(_write(tmp_path / "README.md", text)).data.pipeline_tag == "text-classification"


EXAMPLE = {
    "row": 7,
    "text": "You *stupid* idiot, <b>thanks</b>",
    "label": "toxic",
    "true_label": 1,
    "score": 0.93,
    "logit": 2.6,
    "baseline_logit": -0.4,
    "words": [
        {"word": "You", "start": 0, "end": 3, "contribution": 0.1},
        {"word": "*stupid*", "start": 4, "end": 12, "contribution": 1.4},
        {"word": "idiot,", "start": 13, "end": 19, "contribution": 2.1},
        {"word": "<b>thanks</b>", "start": 20, "end": 33, "contribution": -0.6},
    ],
}


def test_the_card_explains_the_folders_validation_comment_and_a_folder_without_one_has_no_such_section(
    tmp_path,
):
    folder = trained_folder(tmp_path)
    plain = render_model_card(card_facts_from_folder(folder, "me/toxic-gru"))
    assert "## Why it scores what it scores" not in plain and "<sup>" not in plain
    (folder / "explained_example.json").write_text(json.dumps(EXAMPLE))
    text = render_model_card(card_facts_from_folder(folder, "me/toxic-gru"))
    section = (
        "![ROC curve on the validation data](roc_curve.png)\n\n## Why it scores what it scores\n\n"
        "A comment of the validation split, labelled `toxic` in the data."
    )
    quote = "\n> You **\\*stupid\\***<sup>+1.40</sup> **idiot,**<sup>+2.10</sup> *&lt;b&gt;thanks&lt;/b&gt;*<sup>-0.60</sup>\n"
    assert section in text and quote in text
    assert "gives the same for any text.\n\n## Measured comparison" in text
    assert text.replace(text[text.index("\n\n## Why") : text.index("\n\n## Measured")], "") == plain


def table_bytes_on_disk(folder: Path) -> int:
    """Bytes of the embedding table in model.safetensors, from the file's header (8-byte length, JSON)."""
    with open(folder / "model.safetensors", "rb") as handle:
        header = json.loads(handle.read(struct.unpack("<Q", handle.read(8))[0]))
    [(start, end)] = [v["data_offsets"] for k, v in header.items() if k.endswith("embeddings.weight")]
    return end - start


def test_card_counts_the_words_from_the_vectors_and_the_float16_table(tmp_path):
    folder = trained_folder(tmp_path / "float16", embedding_storage_dtype="float16")
    (folder / "vectors_words.json").write_text(json.dumps(["dog", "fox", "owl"]))
    run_args = json.loads((folder / "run_args.json").read_text())
    run_args["model"] |= {"vocab_from_vectors": 3, "embedding_storage_dtype": "float16"}
    (folder / "run_args.json").write_text(json.dumps(run_args))
    facts = card_facts_from_folder(folder, "me/toxic-gru")
    assert (facts.vectors_words, facts.vocab_from_vectors, facts.embedding_storage_dtype) == (3, 3, "float16")
    assert facts.embedding_table_bytes == 1000 * 50 * 2 == table_bytes_on_disk(folder)  # half of float32
    text = render_model_card(facts)
    assert "1,000 embedding rows: the padding row, 996 Keras words of the training texts, and 3 words" in text
    assert "(`--vocab_from_vectors 3`: at most 3)" in text
    assert "1,000 × 50 × 2 bytes = 100,000 bytes (0.1 MB, float16) in `model.safetensors`." in text
    assert FLOAT16_NOTE in text and text.count("float16") == 2
    # The same in float32: twice the bytes, and no float16 sentence.
    folder = trained_folder(tmp_path / "float32")
    (folder / "vectors_words.json").write_text(json.dumps(["dog", "fox", "owl"]))
    run_args["model"] |= {"vocab_from_vectors": -1, "embedding_storage_dtype": "float32"}
    (folder / "run_args.json").write_text(json.dumps(run_args))
    facts = card_facts_from_folder(folder, "me/toxic-gru")
    assert facts.embedding_table_bytes == 1000 * 50 * 4 == table_bytes_on_disk(folder)
    text = render_model_card(facts)
    assert "1,000 × 50 × 4 bytes = 200,000 bytes (0.2 MB, float32)" in text and "float16" not in text
    assert "(`--vocab_from_vectors -1`: all the words of the vectors)" in text


def test_card_of_a_folder_older_than_the_words_from_the_vectors_still_renders(tmp_path):
    folder = trained_folder(tmp_path)  # no vectors_words.json, no vocab_from_vectors in run_args.json
    config = json.loads((folder / "config.json").read_text())
    config.pop("embedding_storage_dtype", None)
    (folder / "config.json").write_text(json.dumps(config))
    facts = card_facts_from_folder(folder, "me/toxic-gru")
    assert (facts.vectors_words, facts.vocab_from_vectors, facts.embedding_storage_dtype) == (0, 0, "float32")
    text = render_model_card(facts)
    assert (
        "1,000 embedding rows: the padding row, 999 Keras words of the training texts, and none from" in text
    )
    assert "1,000 × 50 × 4 bytes = 200,000 bytes (0.2 MB, float32)" in text and FLOAT16_NOTE not in text


def test_words_from_the_vectors_are_counted_from_the_coverage_without_their_file(tmp_path):
    folder = trained_folder(tmp_path)
    results = json.loads((folder / "eval_results.json").read_text())
    results["vectors"]["coverage"] = {"vocab_words": 990, "found_words": 900, "vectors_words": 7}
    (folder / "eval_results.json").write_text(json.dumps(results))
    assert card_facts_from_folder(folder).vectors_words == 7


def test_a_card_without_the_table_shape_leaves_the_vocabulary_out():
    text = render_model_card(CardFacts(repo_id="me/bare", config={}))
    assert "embedding rows" not in text and "## Word vectors" in text


def test_a_bag_of_ngrams_card_says_what_it_is_and_only_what_was_measured():
    config = {
        "cell": "gru",
        "hidden_size": 64,
        "bidirectional": True,
        "pooling": "max_mean",
        "ngram_buckets": 8,
        "id2label": {"0": "toxic"},
    }
    run_args = {"model": {"preset": "bigru_ngrams"}}
    text = render_model_card(CardFacts(repo_id="me/toxic", config=config, run_args=run_args))
    assert (
        "A GloVe + BiGRU(64) with max + mean pooling and a bag of n-grams text classifier: the 2018" in text
    )
    assert "default architecture" not in text and "scored above" not in text
    # trained before the raw-text features: compared as the bag-only model it is
    assert "## Measured comparison" in text and comparison_text("bigru_ngrams (bag only)") in text
    notebook = render_model_card(CardFacts(repo_id="me/toxic", config={"cell": "lstm", "hidden_size": 100}))
    assert (
        'A GloVe + LSTM(100) text classifier: the model of the classic Keras "toxic comment" notebooks'
        in notebook
    )


def test_tags_say_toxicity_only_for_toxicity_labels():
    facts = CardFacts(repo_id="me/x", config={"cell": "rnn", "id2label": {"0": "negative"}})
    assert "toxicity" not in facts.tags and "rnn" in facts.tags


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


REFERENCE = Path(__file__).resolve().parents[2] / "model_cards" / "reference"


@pytest.mark.parametrize("preset", ["bilstm_ngrams", "bigru_ngrams", "lstm", "gru", "bilstm"])
def test_reference_cards_are_what_the_script_renders_from_their_facts(preset):
    folder = REFERENCE / f"toxic-{preset}-demo"
    committed = (folder / "README.md").read_text(encoding="utf-8")
    rendered = render_model_card(card_facts_from_folder(folder, folder.name))
    assert committed == rendered, f"{folder}/README.md is stale: run python scripts/make_model_cards.py"
    run_args = json.loads((folder / "run_args.json").read_text())
    assert run_args["model"]["preset"] == preset and run_args["data"]["train_file"] == "demo"
    assert run_args["data"]["fit_tokenizer_on"] == "train+validation" and "**Demo figures.**" in committed


def test_the_one_card_template_is_model_cards_and_wheels_carry_it():
    setuptools = tomllib.loads((REFERENCE.parent.parent / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert setuptools["package-dir"]["rnn_models.model_cards"] == "model_cards"
    assert "rnn_models.model_cards" in setuptools["packages"]
    assert setuptools["package-data"]["rnn_models.model_cards"] == ["rnn_classifier.md"]
    assert card_template_path() == REFERENCE.parent / "rnn_classifier.md"  # a checkout reads the same file
    assert not (REFERENCE.parent.parent / "rnn_models" / "model_cards").exists()  # no second copy


def odd_facts(tmp_path: Path) -> list[CardFacts]:
    """Facts that exercise every branch of the metadata: no results, a Hub dataset, no license, a SimpleRNN."""
    base = card_facts_from_folder(trained_folder(tmp_path), "me/toxic-gru")
    hub_data = {"model": {"license": None}, "data": {"dataset_name": "someone/comments"}}
    return [
        base,
        CardFacts(repo_id="me/bare", config={}),
        CardFacts(repo_id="me/none", config={}, results={"roc_auc_per_label": {"toxic": None}}),
        CardFacts(
            repo_id="org/simple",
            config={"cell": "rnn", "id2label": {"0": "ünïcode: yes", "1": "no"}},
            results={"roc_auc_per_label": {"ünïcode: yes": 0.5, "no": 0.75}},
            run_args=hub_data,
        ),
        CardFacts(repo_id="me/x", config=base.config, results=base.results | {"roc_auc_per_label": {"a": 1}}),
    ]


def test_every_branch_of_the_metadata_renders_and_loads(tmp_path):
    for number, facts in enumerate(odd_facts(tmp_path / "folder")):
        data = ModelCard.load(_write(tmp_path / f"{number}.md", render_model_card(facts))).data
        assert data.pipeline_tag == "text-classification" and data.to_dict() == card_data(facts).to_dict()


def test_the_architecture_line_names_stacks_and_hidden_heads_of_converted_models():
    from rnn_models.hub.model_card import architecture_text as _architecture

    stacked = {"cell": "lstm", "hidden_size": 3, "bidirectional": True, "num_layers": 2}
    head = [
        {"type": "dense", "units": 8, "activation": "relu"},
        {"type": "batch_norm"},
        {"type": "dropout", "rate": 0.5},
    ]
    assert _architecture({**stacked, "head_layers": head}) == (
        "2 x BiLSTM(3), then Dense(8, relu) -> BatchNormalization -> Dropout(0.5)"
    )
    mixed = {"cell": "gru", "hidden_size": 5, "recurrent_layers": [{}, {"cell": "rnn", "hidden_size": 2}]}
    assert _architecture({**mixed, "pooling": "max"}) == "GRU(5) -> SimpleRNN(2) with max pooling"
