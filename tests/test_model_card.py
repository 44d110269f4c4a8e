"""The model card: rendered from plain facts (text equality with a golden file) and valid metadata."""

import json
import tomllib
from pathlib import Path

import pytest
from huggingface_hub import EvalResult, ModelCard, ModelCardData

from rnn_models import RNNConfig, RNNForSequenceClassification, hub
from rnn_models.model_card import (
    CardFacts,
    card_facts_from_folder,
    card_metadata,
    card_template_path,
    card_values,
    render_model_card,
)

GOLDEN = Path(__file__).parent / "data" / "expected_model_card.md"
LABELS = ["toxic", "threat"]


def trained_folder(tmp_path: Path) -> Path:
    """A folder shaped like `rnn-models train` output (weights untrained; the card only reads facts)."""
    config = RNNConfig.from_preset(
        "gru", vocab_size=1000, embedding_dim=50, num_labels=2, id2label=dict(enumerate(LABELS)),
        problem_type="multi_label_classification",
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


def test_tags_say_toxicity_only_for_toxicity_labels():
    facts = CardFacts(repo_id="me/x", config={"cell": "rnn", "id2label": {"0": "negative"}})
    assert "toxicity" not in facts.tags and "rnn" in facts.tags


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


REFERENCE = Path(__file__).resolve().parent.parent / "model_cards" / "reference"


@pytest.mark.parametrize("preset", ["lstm", "gru", "bilstm"])
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


def hub_card_data(facts: CardFacts) -> ModelCardData:
    """The card's metadata as huggingface_hub's classes hold it (how rnn-models built it before 2026-12)."""
    dataset = facts.dataset
    eval_results = [
        EvalResult(
            task_type="text-classification",
            dataset_type=dataset,
            dataset_name=dataset,
            dataset_split="validation",
            metric_type="roc_auc",
            metric_name=f"ROC AUC ({label})",
            metric_value=round(value, 6),
        )
        for label, value in facts.results.get("roc_auc_per_label", {}).items()
        if value is not None
    ]
    return ModelCardData(
        language="en",
        license=facts.run_args.get("model", {}).get("license", "apache-2.0"),
        library_name="transformers",
        pipeline_tag="text-classification",
        tags=facts.tags,
        datasets=[dataset] if "/" in dataset else None,
        metrics=["roc_auc"],
        model_name=facts.repo_id.split("/")[-1],
        eval_results=eval_results or None,
    )


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


def test_card_text_is_what_huggingface_hubs_model_card_renders(tmp_path):
    folders = [REFERENCE / f"toxic-{preset}-demo" for preset in ("lstm", "gru", "bilstm")]
    for facts in [*odd_facts(tmp_path), *(card_facts_from_folder(f, f.name) for f in folders)]:
        expected = ModelCard.from_template(
            hub_card_data(facts), template_path=str(card_template_path()), **card_values(facts)
        )
        assert render_model_card(facts) == str(expected), facts.repo_id
        assert card_metadata(facts) == expected.data.to_dict(), facts.repo_id


def test_old_hub_card_names_are_aliases(tmp_path):
    assert hub.render_model_card is render_model_card and hub.card_template_path is card_template_path
    for facts in odd_facts(tmp_path):
        assert hub.card_data(facts).to_dict() == hub_card_data(facts).to_dict()
