"""The partial output: a kill at any point leaves a complete prefix that --resume continues from."""

import json

import pytest

from rnn_models.serving.partial_output import PartialOutput


def test_bytes_after_the_last_marker_are_cut_on_resume(tmp_path):
    out = PartialOutput(tmp_path / "scores.csv", {"model": "m"})
    out.start(resume=False)
    out.append("id,toxic\r\na,0.5\r\n", rows=1, digest="d0", counts={"nan_rows": 1})
    out._handle.write(b"b,0.2")  # a chunk half written when the process died
    out._handle.flush()
    again = PartialOutput(tmp_path / "scores.csv", {"model": "m"})
    progress = again.start(resume=True)
    assert (progress.chunks, progress.rows, progress.digests, progress.counts) == (
        1,
        1,
        ["d0"],
        {"nan_rows": 1},
    )
    again.append("b,0.25\r\n", rows=1, digest="d1")
    assert again.publish(overwrite=False).read_bytes() == b"id,toxic\r\na,0.5\r\nb,0.25\r\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scores.csv"]


def test_an_earlier_partial_needs_resume_and_the_same_settings(tmp_path):
    first = PartialOutput(tmp_path / "scores.csv", {"model": "m", "batch_size": 256})
    first.start(resume=False)
    first.append("x\n", rows=3, digest="d0")
    first.close()
    with pytest.raises(FileExistsError, match=r"holds 3 rows scored by an interrupted run .* pass --resume"):
        PartialOutput(tmp_path / "scores.csv", {"model": "m", "batch_size": 256}).start(resume=False)
    with pytest.raises(ValueError, match=r"was written with batch_size 256, this run has 8"):
        PartialOutput(tmp_path / "scores.csv", {"model": "m", "batch_size": 8}).start(resume=True)
    assert json.loads((tmp_path / ".scores.csv.partial.json").read_text())["rows"] == 3  # untouched


def test_resume_without_an_earlier_run_starts_from_zero(tmp_path):
    progress = PartialOutput(tmp_path / "scores.csv", {}).start(resume=True)
    assert (progress.chunks, progress.bytes) == (0, 0)


def test_publish_never_replaces_an_existing_file(tmp_path):
    (tmp_path / "scores.csv").write_text("mine")
    out = PartialOutput(tmp_path / "scores.csv", {})
    out.start(resume=False)
    out.append("x\n", rows=1, digest="d0")
    with pytest.raises(FileExistsError, match=r"scores.csv exists; pass --overwrite"):
        out.publish(overwrite=False)
    assert (tmp_path / "scores.csv").read_text() == "mine" and (tmp_path / ".scores.csv.partial").exists()
