"""Builds ``tests/data/keras_texts.jsonl``: varied real-world texts for the Keras tokenizer golden tests.

One JSON string per line. Sources (licences in ``tests/data/keras_texts.NOTICE.md``), sampled with a fixed seed:

- VADER (vaderSentiment 3.3.2 sdist, MIT): human-written tweets, movie / Amazon reviews, NYT editorial snippets;
- docutils 0.19 (public domain): the language modules, labels and directive names in 28 languages;
- CPython's ``Lib/test/cjkencodings/*-utf8.txt`` (PSF License): Chinese, Japanese and Korean prose;
- the transformers README (its package metadata, Apache-2.0): Markdown, HTML, URLs, emoji, many scripts;
- variants of those: control and odd whitespace characters, emoji sequences, upper-cased text (Greek final
  sigma, Turkish dotted I, German sharp s), characters newer than this Python's Unicode, private-use
  characters, very long lines, empty and whitespace-only texts.

The pip downloads need the network (run it by hand; tests only read the committed file):

    python scripts/make_keras_test_texts.py [--out tests/data/keras_texts.jsonl]
"""

import argparse
import ast
import importlib.metadata
import io
import json
import random
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ODD_CHARACTERS = "\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2007\u200b\u200d\u2028\u2029\u202f\u3000\ufeff\x00\x7f\t\n"
EMOJI = [
    "👍",
    "👍🏽",
    "😂",
    "❤️",
    "👨\u200d👩\u200d👧\u200d👦",
    "🇫🇷",
    "🏳️\u200d🌈",
    "🤗",
    "☕",
    "🙈🙉🙊",
    "1️⃣",
    "🧑🏿\u200d💻",
]
# Unicode 15-16 characters (tokenizers lower-cases some that Python 3.11 does not) and private-use characters.
NEW_CHARACTERS = "\ua7cb\ua7cc\ua7da\ua7dc\u1c89\U00010d50\U00010d65\U00016ea0\U0001e030\ue000\ue001\uf8ff"
EDGE_CASES = [
    "",
    " ",
    "   ",
    "\n",
    "\r\n",
    "\t\t",
    "!!!",
    "...",
    "<pad> <pad>",
    " leading and trailing ",
    "a  b   c",
    "ΟΔΟΣ ΣΟΦΟΣ ΣΑΣ Σ. ΌΣΟΣ'Σ ΑΣ'Β ΑΣ\u0301 ΑΣ.Β ΑΣ-Β ΑΣ1 1Σ Σ",
    "İSTANBUL İyi ıi Iı ẞTRASSE Straße ǅemal ǈ ǋ ΐ ὒ ﬁ ﬀ",
    "word's 'quoted' \u2019curly\u2019 don\u2019t l\u00b7l a:b",
]


def pip_download(spec: str, folder: str, source: bool) -> Path:
    """Downloads one distribution (sdist when ``source``, else a wheel) into its own folder; returns the file."""
    target = Path(folder) / spec.replace("==", "-")
    kind = ["--no-binary", ":all:"] if source else ["--only-binary", ":all:"]
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", *kind, spec, "-d", str(target)], check=True
    )
    return next(target.iterdir())


def vader_texts(folder: str) -> list[str]:
    with tarfile.open(pip_download("vaderSentiment==3.3.2", folder, source=True)) as sdist:
        inner = sdist.extractfile(
            next(m for m in sdist.getmembers() if m.name.endswith("hutto_ICWSM_2014.tar.gz"))
        )
        with tarfile.open(fileobj=io.BytesIO(inner.read())) as data:
            texts = []
            for member in sorted(data.getmembers(), key=lambda m: m.name):
                if member.name.endswith("GroundTruth.txt"):
                    for line in data.extractfile(member).read().decode("utf-8").splitlines():
                        parts = line.split("\t", 2)  # id, mean rating, text
                        if len(parts) == 3:
                            texts.append(parts[2])
    return texts


def docutils_texts(folder: str) -> list[str]:
    texts = []
    with zipfile.ZipFile(pip_download("docutils==0.19", folder, source=False)) as wheel:
        for name in sorted(wheel.namelist()):
            if "/languages/" in name and name.endswith(".py") and not name.endswith("__init__.py"):
                tree = ast.parse(wheel.read(name).decode("utf-8"))
                strings = [
                    n.value
                    for n in ast.walk(tree)
                    if isinstance(n, ast.Constant) and isinstance(n.value, str)
                ]
                strings = [s for s in strings if 0 < len(s) < 80 and "\n" not in s]
                texts += [" ".join(strings[i : i + 7]) for i in range(0, len(strings), 7)]
    return texts


def cjk_texts() -> list[str]:
    folder = Path(sysconfig.get_path("stdlib")) / "test" / "cjkencodings"
    if not folder.is_dir():
        print(
            f"note: {folder} is missing (Python built without its tests); CJK prose left out", file=sys.stderr
        )
        return []
    lines = [
        line for path in sorted(folder.glob("*-utf8.txt")) for line in path.read_text("utf-8").splitlines()
    ]
    return list(dict.fromkeys(line for line in lines if line.strip()))


def readme_texts() -> list[str]:
    readme = importlib.metadata.metadata("transformers").get_payload() or ""
    return [line for line in readme.splitlines() if line.strip()]


def variants(rng: random.Random, texts: list[str], count: int) -> list[str]:
    out = []
    for _ in range(count):
        chars = list(rng.choice(texts))
        kind = rng.randrange(5)
        for _ in range(rng.randint(1, 6)):
            position = rng.randint(0, len(chars))
            if kind == 0:
                chars.insert(position, rng.choice(ODD_CHARACTERS))
            elif kind == 1:
                chars.insert(position, " " + rng.choice(EMOJI) + rng.choice(["", " "]))
            elif kind == 2:
                chars.insert(position, rng.choice(NEW_CHARACTERS) + rng.choice(["", "x", " ", "Σ"]))
            elif kind == 3:
                chars = [c if c != " " else rng.choice(" \t\xa0\u3000") for c in chars]
        text = "".join(chars)
        out.append(text.upper() if kind == 4 else text)
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "tests" / "data" / "keras_texts.jsonl"))
    args = parser.parse_args(argv)
    rng = random.Random(20240613)
    with tempfile.TemporaryDirectory() as folder:
        vader, docutils = vader_texts(folder), docutils_texts(folder)
    real = (
        rng.sample(vader, 2200) + rng.sample(docutils, min(400, len(docutils))) + cjk_texts() + readme_texts()
    )
    texts = real + variants(rng, real, 900) + EDGE_CASES
    texts += [" ".join(rng.choice(real) for _ in range(n)) for n in (40, 300, 900)]  # very long lines
    rng.shuffle(texts)
    with open(args.out, "w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(text, ensure_ascii=False) + "\n" for text in texts)
    size = Path(args.out).stat().st_size
    print(f"{args.out}: {len(texts)} texts, {size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
