"""The README is the front page: CI runs its two set-up commands, it stays short, and its examples run (the Python
and shell blocks of README.md and docs/ run in tests/docs/test_examples.py)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
DOCS = ROOT / "docs"


def setup_commands() -> list[str]:
    """The bash blocks of "## Set up on a fresh machine", in order."""
    section = README.split("\n## Set up on a fresh machine\n", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```bash[^\n]*\n(.*?)```", section, flags=re.S)]


def test_ci_runs_the_readme_commands_verbatim_main_job_first():
    """A newcomer runs the main command, then the test command, in one checkout: so does CI."""
    main_command, test_command = setup_commands()
    assert main_command.endswith("&& rnn-models train") and test_command.endswith("&& python -m pytest")
    assert "torch==2.13.0" in main_command and "torch==2.13.0" in test_command
    lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert main_command in lines and test_command in lines, "copy the README's commands into .ci/run"
    assert lines.index("set -euo pipefail") < lines.index(main_command) < lines.index(test_command)


def test_readme_is_a_front_page_with_the_set_up_first():
    sections = re.findall(r"^## (.+)$", README, flags=re.M)
    assert len(README.splitlines()) <= 200
    assert sections[0] == "Set up on a fresh machine"
    assert {"A five-minute tour", "Coming from Keras", "How good and how fast", "Documentation"} <= set(
        sections
    )


def test_readme_links_into_the_docs_and_every_page_is_linked():
    linked = set(re.findall(r"\]\(docs/([\w/.-]+?\.md)(?:#[\w-]+)?\)", README))
    assert all((DOCS / page).is_file() for page in linked), linked
    pages = {str(path.relative_to(DOCS)) for path in DOCS.rglob("*.md")} - {"index.md"}
    assert pages <= linked, f"not linked from the README: {sorted(pages - linked)}"


def table_after(text: str, heading: str) -> list[str]:
    section = text.split(heading, 1)[1]
    return [line for line in section.split("\n## ", 1)[0].splitlines() if line.startswith("|")]


def test_the_readme_table_is_the_benchmarks_page_table():
    """One table, kept in docs/benchmarks.md ("At a glance") and copied here: both change together."""
    page = (DOCS / "benchmarks.md").read_text()
    assert table_after(README, "\n## How good and how fast\n") == table_after(page, "\n## At a glance\n")
    assert len(table_after(README, "\n## How good and how fast\n")) == 7


def test_every_benchmarks_table_says_when_where_on_what_and_from_which_file():
    """Each section of docs/benchmarks.md that holds a table names a date, the machine and a result file."""
    page = (DOCS / "benchmarks.md").read_text()
    for section in re.split(r"\n(?=#{2,3} )", page):
        if "\n|---" in section:
            heading = section.splitlines()[0]
            assert re.search(r"20\d\d-\d\d-\d\d", section), f"{heading}: no date"
            assert re.search(r"Xeon|EPYC|2-core|2 cores", section), f"{heading}: no machine"
            files = re.findall(r"`benchmarks/([\w.-]+)`", section)
            assert files and all((ROOT / "benchmarks" / name).is_file() for name in files), (
                f"{heading}: {files}"
            )
