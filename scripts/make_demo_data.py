"""Writes rnn_models/data/demo_comments.csv: made-up talk-page comments in Jigsaw's columns.

The demo data lets `rnn-models train` run with no arguments. It is small (600 rows, about 10% toxic
like the Jigsaw training set), written from templates by this script with a fixed seed, and says
nothing about real users. Run `python scripts/make_demo_data.py` to regenerate it.
"""

import csv
import random
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "rnn_models" / "data" / "demo_comments.csv"
LABELS = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]

TOPICS = [
    "the history section",
    "the infobox",
    "the lead paragraph",
    "the references",
    "the early life section",
    "the discography",
    "the list of episodes",
    "the population figures",
    "the map",
    "the citation for the award",
    "the article title",
    "the timeline",
    "the photo caption",
    "the external links",
    "the plot summary",
]
SOURCES = [
    "the BBC article",
    "a 2009 census report",
    "the official website",
    "the book by Smith",
    "a local newspaper",
]
CLEAN = [
    "Thanks for fixing {topic}, it reads much better now.",
    "I have added a citation to {source} for {topic}.",
    "Could someone check {topic}? Some of the dates look wrong to me.",
    "I reverted the last edit to {topic} because it removed sourced content.",
    "Please discuss major changes to {topic} here before making them.",
    "Good point about {topic}. I agree we should trim it.",
    "The numbers in {topic} do not match {source}; which one is right?",
    "I moved {topic} further down, per the manual of style.",
    "Welcome to the project! Feel free to ask if you have questions about {topic}.",
    "Is {source} considered a reliable source for {topic}?",
    "I think {topic} needs a better image, the current one is blurry.",
    "Hello, I fixed a few typos in {topic}. Hope that is fine.",
    "Thanks for the feedback, I will rewrite {topic} tomorrow.",
    "This was discussed last year, see the archive about {topic}.",
    "Nice work on {topic}, the new sources are very helpful.",
    "I am not sure {topic} belongs in this article at all.",
    "Can we merge {topic} with the section below it?",
    "The claim in {topic} is sourced to {source}, so I restored it.",
    "Sorry for the confusion about {topic}, my mistake.",
    "Please add page numbers when citing {source}.",
]
NAMES = ["you", "this editor", "whoever wrote this", "the person who reverted me"]
INSULTS = ["idiot", "moron", "loser", "clown", "fool", "jerk"]
TOXIC = [
    ("{name} are a complete {insult}, stop ruining {topic}.", {"insult"}),
    ("What a stupid edit. Only an {insult} would write {topic} like that.", {"insult"}),
    ("Shut up, {insult}. Nobody cares about your opinion on {topic}.", {"insult"}),
    ("This is garbage and {name} are pathetic.", {"insult"}),
    ("Get lost, you dumb {insult}.", {"insult"}),
    ("{name} are so ignorant it hurts. Stop editing {topic}, {insult}.", {"insult"}),
    ("Your edits to {topic} are crap, you worthless {insult}.", {"insult", "obscene"}),
    ("I hate {name}, go to hell.", {"insult", "obscene"}),
    ("Touch {topic} again and you will regret it, {insult}.", {"threat", "insult"}),
    ("I will find {name} and make you pay for this.", {"threat"}),
    (
        "People like {name} are filth and should be banned forever, you disgusting {insult}.",
        {"insult", "severe_toxic"},
    ),
    ("Stupid vandal. Go away and never come back.", {"insult"}),
]


def make_rows(rng: random.Random, count: int = 600, toxic_share: float = 0.11) -> list[dict]:
    rows = []
    for _ in range(count):
        fill = {
            "topic": rng.choice(TOPICS),
            "source": rng.choice(SOURCES),
            "name": rng.choice(NAMES),
            "insult": rng.choice(INSULTS),
        }
        labels = dict.fromkeys(LABELS, 0)
        if rng.random() < toxic_share:
            template, extra = rng.choice(TOXIC)
            labels["toxic"] = 1
            labels.update(dict.fromkeys(extra, 1))
        else:
            template = rng.choice(CLEAN)
        text = template.format(**fill)
        text = text[0].upper() + text[1:]
        rows.append({"id": f"{rng.getrandbits(64):016x}", "comment_text": text, **labels})
    return rows


def main() -> None:
    rows = make_rows(random.Random(2024))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "comment_text", *LABELS])
        writer.writeheader()
        writer.writerows(rows)
    toxic = sum(row["toxic"] for row in rows)
    print(f"wrote {len(rows)} rows ({toxic} toxic) to {OUT}")


if __name__ == "__main__":
    main()
