"""Real labelled text for the benchmarks, by workload name.

``jigsaw`` (the default everywhere): 19,061 real comments of Jigsaw's 2018 toxic-comment training file,
``../shared/data/jigsaw_train_dev.csv`` beside the checkout (long-tailed lengths: median 36 tokens, p99
about 630, max 1,403), label ``toxic``. ``vader``: the 23,699 human-rated VADER snippets (Hutto & Gilbert,
ICWSM 2014; 17 words on average), label ``negative`` = mean rating < 0. They ship in the `vaderSentiment==3.3.2` source distribution (MIT), fetched once with pip into a cache
folder. Label ``negative`` = mean rating < 0. Benchmarks only: tests never touch the network.
"""

import csv
import io
import subprocess
import sys
import tarfile
from pathlib import Path

CACHE = Path.home() / ".cache" / "rnn-models-bench"
SOURCES = ("tweets", "movieReviewSnippets", "amazonReviewSnippets", "nytEditorialSnippets")


JIGSAW_CSV = Path(__file__).resolve().parents[2] / "shared" / "data" / "jigsaw_train_dev.csv"
WORKLOADS = ("jigsaw", "vader")


def workload(name: str) -> tuple[str, str, str]:
    """``(csv_path, text_column, label_column)`` of a named workload."""
    if name == "jigsaw":
        if not JIGSAW_CSV.is_file():
            raise SystemExit(
                f"{JIGSAW_CSV}: the real-comment workload is missing; pass --file or --workload vader"
            )
        return str(JIGSAW_CSV), "comment_text", "toxic"
    return str(vader_csv()), "comment_text", "negative"


def _sdist(cache: Path) -> Path:
    found = sorted(cache.glob("vaderSentiment-3.3.2.tar.gz"))
    if found:
        return found[0]
    cache.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:"]
    subprocess.run([*command, "vaderSentiment==3.3.2", "-d", str(cache)], check=True)
    return cache / "vaderSentiment-3.3.2.tar.gz"


def _snippets(sdist: Path) -> list[dict[str, str]]:
    rows = []
    with tarfile.open(sdist) as outer:
        inner_member = next(m for m in outer.getmembers() if m.name.endswith("hutto_ICWSM_2014.tar.gz"))
        with tarfile.open(fileobj=io.BytesIO(outer.extractfile(inner_member).read())) as inner:
            for source in SOURCES:
                member = next(m for m in inner.getmembers() if m.name.endswith(f"{source}_GroundTruth.txt"))
                text = inner.extractfile(member).read().decode("utf-8")
                for line in text.split("\n"):  # not splitlines(): snippets hold U+2028 and friends
                    line = line.removesuffix("\r")
                    if line.strip():
                        snippet_id, rating, snippet = line.split("\t", 2)
                        rows.append(
                            {"id": f"{source}-{snippet_id}", "rating": rating, "comment_text": snippet}
                        )
    return rows


def vader_csv(cache: Path = CACHE) -> Path:
    """Path of a CSV (id, source rating, comment_text, negative) of all VADER snippets; built once."""
    out = cache / "vader_snippets.csv"
    if out.exists():
        return out
    rows = _snippets(_sdist(cache))
    tmp = out.with_suffix(".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "rating", "comment_text", "negative"])
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "negative": int(float(row["rating"]) < 0)})
    tmp.replace(out)
    return out


if __name__ == "__main__":
    print(vader_csv())
