"""The package's import graph, read from the source with `ast`: no circle, and Hub-shipped code stays plain.

Every import counts, wherever it stands (module top, inside a function, under ``TYPE_CHECKING``): a lazy
import hides a circle from Python, not from the reader. Importing a submodule implicitly runs its parent
packages' ``__init__``; those implicit edges are not counted (every module would then sit on a circle
through ``rnn_models/__init__.py``), only the imports written in the files.
"""

import ast
import sys
from functools import cache
from pathlib import Path

import pytest

import rnn_models

PACKAGE = "rnn_models"
ROOT = Path(rnn_models.__file__).parent
# The layers, lowest first: a module imports only from its own folder and the folders below it.
LAYERS = {
    "model": 0,
    "text": 1,
    "vectors": 2,
    "keras": 2,
    "training": 3,
    "serving": 4,
    "hub": 5,
    "commands": 6,
}
# rnn_models/model/ is copied next to the weights by save_pretrained and run with trust_remote_code.
SHIPPED = "model"
# numpy: transformers itself requires it, so wherever a saved folder loads, numpy is there.
HUB_ALLOWED = {"torch", "transformers", "numpy", "__future__", *sys.stdlib_module_names}
# Circles between modules owned elsewhere, reported and not fixed here: {frozenset((a, b)), ...}.
KNOWN_CIRCLES: set[frozenset[str]] = set()


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def resolve(importer: str, node: ast.ImportFrom) -> str:
    """The absolute module of a ``from ... import`` (relative ones resolved against ``importer``)."""
    if node.level == 0:
        return node.module or ""
    is_package = modules()[importer].name == "__init__.py"
    base = importer.split(".")[: len(importer.split(".")) - node.level + is_package]
    return ".".join([*base, node.module] if node.module else base)


@cache
def imports(name: str) -> tuple[frozenset[str], frozenset[str]]:
    """``(modules of this package it imports, top-level names of the other packages it imports)``."""
    inside, outside = set(), set()
    for node in ast.walk(ast.parse(modules()[name].read_text("utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = resolve(name, node)
            # `from pkg import sub` imports the submodule pkg.sub when there is one, else a name of pkg.
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules() else base for a in node.names]
        else:
            continue
        for target in targets:
            if target.split(".")[0] != PACKAGE:
                outside.add(target.split(".")[0])
                continue
            while target not in modules():  # `import rnn_models.x.y` of a name: its module
                target = target.rpartition(".")[0]
            if target != name:
                inside.add(target)
    return frozenset(inside), frozenset(outside)


def graph() -> dict[str, frozenset[str]]:
    return {name: imports(name)[0] for name in modules()}


def find_circles(edges: dict[str, frozenset[str]]) -> list[list[str]]:
    """Every strongly connected component of more than one module (Tarjan), each as a sorted list."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(edges[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return circles


def test_the_graph_sees_every_module_and_relative_import():
    edges = graph()
    assert {"rnn_models", "rnn_models.keras", "rnn_models.keras.convert", "rnn_models.vectors.load"} <= set(
        edges
    )
    assert (
        "rnn_models.model.configuration_rnn" in edges["rnn_models.model.modeling_rnn"]
    )  # from .configuration_rnn
    assert "rnn_models.model.modeling_rnn" in edges["rnn_models.keras.convert"]  # from ..modeling_rnn
    assert "rnn_models.text.tokenization_rnn" in edges["rnn_models.keras.convert"]  # lazy, inside a function
    assert "rnn_models.vectors" in edges["rnn_models.training.job"]  # the package: its __init__ re-exports


@pytest.mark.parametrize(
    ("edges", "expected"),
    [
        ({"a": frozenset("b"), "b": frozenset()}, []),
        ({"a": frozenset("b"), "b": frozenset("a")}, [["a", "b"]]),
        (
            {"a": frozenset("b"), "b": frozenset("c"), "c": frozenset("a"), "d": frozenset("a")},
            [["a", "b", "c"]],
        ),
    ],
    ids=["chain", "pair", "triangle"],
)
def test_find_circles(edges, expected):
    assert find_circles(edges) == expected


def test_no_import_circle_in_the_package():
    circles = [c for c in find_circles(graph()) if frozenset(c) not in KNOWN_CIRCLES]
    assert circles == [], f"import circles: {circles}"


def folder(name: str) -> str | None:
    """``rnn_models.text.tables`` -> ``"text"``; ``None`` for the top level (``__init__``, ``__main__``)."""
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[1] != "__main__" else None


def test_every_module_lives_in_a_layer_folder():
    assert {folder(name) for name in modules()} - {None} == set(LAYERS)


def test_no_folder_imports_one_above_it():
    upward = {
        (name, target)
        for name in modules()
        if folder(name) is not None
        for target in imports(name)[0]
        if folder(target) is None or LAYERS[folder(target)] > LAYERS[folder(name)]
    }
    assert upward == set()


def test_the_shipped_folder_imports_only_stdlib_torch_transformers_numpy_and_itself():
    shipped = sorted(name for name in modules() if folder(name) == SHIPPED and name != f"{PACKAGE}.{SHIPPED}")
    assert {name.rsplit(".", 1)[1] for name in shipped} >= {
        "configuration_rnn",
        "modeling_rnn",
        "recurrent_layers",
    }
    for name in shipped:
        inside, outside = imports(name)
        assert sorted(outside - HUB_ALLOWED) == [], name
        # save_pretrained copies sibling files only: relative imports of the folder's own flat modules.
        assert all(folder(t) == SHIPPED and t != f"{PACKAGE}.{SHIPPED}" for t in inside), (name, inside)


def test_the_space_app_imports_only_stdlib_torch_transformers_gradio_and_explanations():
    # rnn-models push --space copies demo_app.py into a Space as app.py, next to a copy of explanations.py
    # (rnn_models/hub/space.py): app.py falls back to `from explanations import ...` there.
    inside, outside = imports(f"{PACKAGE}.serving.demo_app")
    assert (sorted(inside), sorted(outside - HUB_ALLOWED - {"gradio"})) == (
        [f"{PACKAGE}.serving.explanations"],
        ["explanations"],
    )
    inside, outside = imports(f"{PACKAGE}.serving.explanations")
    # `.inference` only to load a model folder by name, never reached in a Space (it passes a loaded model).
    assert (sorted(inside), sorted(outside - HUB_ALLOWED)) == ([f"{PACKAGE}.serving.inference"], ["captum"])


# hub/model_card.py renders the card with huggingface_hub's offline card classes; only hub/push.py talks to the Hub.
CARD_CLASSES = {"ModelCard", "ModelCardData", "EvalResult"}


def huggingface_hub_imports(name: str) -> set[str]:
    """What a module imports from huggingface_hub: ``from huggingface_hub[.x] import N`` gives
    ``huggingface_hub[.x].N``; ``import huggingface_hub[.x]`` gives the module itself."""
    found = set()
    for node in ast.walk(ast.parse(modules()[name].read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "huggingface_hub"}
        elif (
            isinstance(node, ast.ImportFrom)
            and node.level == 0
            and (node.module or "").split(".")[0] == "huggingface_hub"
        ):
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return found


def test_only_hub_talks_to_the_hub_and_model_card_uses_the_card_classes_only():
    importers = sorted(name for name in modules() if "huggingface_hub" in imports(name)[1])
    assert importers == [f"{PACKAGE}.hub.model_card", f"{PACKAGE}.hub.push"]
    # The top-level names only (no HfApi, no download or upload helper, no submodule): offline classes.
    assert huggingface_hub_imports(f"{PACKAGE}.hub.model_card") <= {
        f"huggingface_hub.{n}" for n in CARD_CLASSES
    }


def test_huggingface_hub_imports_are_read_exactly():
    assert "huggingface_hub.HfApi" in huggingface_hub_imports(f"{PACKAGE}.hub.push")
    assert "huggingface_hub.errors.HfHubHTTPError" in huggingface_hub_imports(f"{PACKAGE}.hub.push")
    assert huggingface_hub_imports(f"{PACKAGE}.training.job") == set()


def test_vectors_package_keeps_its_public_names():
    from rnn_models import vectors

    for name in ("load_vectors", "build_embedding_matrix", "write_glove_text", "WordVectors", "LoadStats"):
        assert getattr(vectors, name) is getattr(rnn_models, name)
    assert callable(vectors.NAMED_VECTORS.get) and "CoverageReport" in vectors.__all__
