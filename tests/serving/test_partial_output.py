"""The partial output: a kill at any point leaves a complete prefix that --resume continues from."""

import json
import os

import pytest

from rnn_models.serving.partial_output import PartialOutput
from rnn_models.serving.score_files import publish


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


def finished(tmp_path, text: str = "id,toxic\na,0.5\n") -> PartialOutput:
    out = PartialOutput(tmp_path / "scores.csv", {"model": "m"})
    out.start(resume=False)
    out.append(text, rows=1, digest="d0")
    out.close()
    return out


@pytest.mark.parametrize("overwrite", [False, True])
def test_a_run_killed_after_publishing_its_file_leaves_no_block(overwrite, tmp_path):
    out = finished(tmp_path)
    publish(out.data, out.path, overwrite)  # renamed into place; killed before the marker was removed
    assert (tmp_path / ".scores.csv.partial.json").exists()
    again = PartialOutput(tmp_path / "scores.csv", {"model": "m"})
    for resume in (False, True):  # neither "holds 1 rows" nor "shorter than the marker says"
        assert again.start(resume=resume).rows == 0
        again.close()
    assert (tmp_path / "scores.csv").read_text() == "id,toxic\na,0.5\n"  # the finished output is kept
    again.start(resume=False)
    again.append("id,toxic\nb,0.25\n", rows=1, digest="d1")
    assert again.publish(overwrite=True).read_text() == "id,toxic\nb,0.25\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scores.csv"]


def test_a_run_killed_between_linking_and_unlinking_its_file_keeps_the_output(tmp_path):
    out = finished(tmp_path)
    os.link(out.data, out.path)  # publish without overwrite links first, then unlinks the partial name
    again = PartialOutput(tmp_path / "scores.csv", {"model": "m"})
    again.start(resume=False)  # the partial name is dropped, never truncated: it is the output too
    again.close()
    assert (tmp_path / "scores.csv").read_text() == "id,toxic\na,0.5\n"


def test_a_marker_whose_file_is_gone_and_not_published_is_still_refused(tmp_path):
    out = finished(tmp_path)
    out.data.unlink()
    (tmp_path / "scores.csv").write_text("another file\n")  # not the marker's bytes
    with pytest.raises(FileExistsError, match="holds 1 rows scored by an interrupted run"):
        PartialOutput(tmp_path / "scores.csv", {"model": "m"}).start(resume=False)
    with pytest.raises(ValueError, match="is shorter than"):
        PartialOutput(tmp_path / "scores.csv", {"model": "m"}).start(resume=True)
