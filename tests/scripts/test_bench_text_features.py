"""The raw-text feature benchmark (scripts/bench_text_features.py): its workload, and a "before" tokenizer whose
outputs equal the shipped one's, so that the two are timed on the same work."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import bench_text_features

from rnn_models import RNNTokenizerFast
from rnn_models.text.tables import DEMO_DATA, load_table


def test_the_workload_repeats_the_table_from_its_first_row(tmp_path):
    path = tmp_path / "table.csv"
    path.write_text('comment_text,toxic\n"a, b",0\nc,1\n', encoding="utf-8")
    assert bench_text_features.load_texts(str(path), "comment_text", 5) == ["a, b", "c", "a, b", "c", "a, b"]


def test_before_and_after_tokenizers_give_the_same_encodings():
    texts = [*list(load_table(DEMO_DATA, "comment_text", ["toxic"])["comment_text"])[:60], "", "İ ΟΔΟΣ"]
    after = RNNTokenizerFast.from_texts(texts, text_features=True, max_length=50)
    vocabulary = bench_text_features.OneTextAtATime(**after.text_features.to_dict())
    before = bench_text_features.ListsTokenizer.from_texts(texts, max_length=50, text_features=vocabulary)
    assert before(texts, truncation=True).data == after(texts, truncation=True).data
    options = {"padding": True, "truncation": True, "return_tensors": "pt"}
    old, new = before(texts[:7], **options), after(texts[:7], **options)
    assert old.keys() == new.keys() and all(torch.equal(old[key], new[key]) for key in new)
