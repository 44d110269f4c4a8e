"""Pretrained word vectors (GloVe, word2vec, fastText) -> embedding matrices, with vocabulary coverage.

Four small steps: read (`load_vectors`, only the rows a vocabulary needs, cached) -> select and build
the matrix (`build_embedding_matrix`) -> report the coverage (`CoverageReport`) -> load it into a model
(`RNNForSequenceClassification.from_vectors`). Nothing here downloads anything.

One concern per module: `files` finds a vector file and streams its bytes, `formats` parses GloVe /
word2vec / fastText rows out of them, `cache` keeps parsed rows on disk, `load` puts the three together
(`load_vectors`, `write_glove_text`), `matrix` builds the embedding matrix and its coverage report.

Example:
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "tiny.txt"
    >>> _ = path.write_text("the 0.5 -1.5\\ncat 2 0.25\\nsat 3 4\\n")
    >>> vectors = load_vectors(path, vocab={"the", "cat", "dog"}, cache=False)
    >>> vectors.words, vectors.matrix.shape
    (['the', 'cat'], (2, 2))
    >>> matrix, report = build_embedding_matrix({"the": 1, "dog": 2, "cat": 3}, vectors)
    >>> matrix.tolist()
    [[0.0, 0.0], [0.5, -1.5], [0.0, 0.0], [2.0, 0.25]]
    >>> print(str(report).replace(str(path.parent), "tmp"))
    tmp/tiny.txt (2-d): 2 of 3 vocabulary words found (66.7%); missing rows are zeros
    most frequent missing: 'dog'
"""

from .formats import LoadStats
from .load import NAMED_VECTORS, check_vectors_source, load_vectors, vocabulary_words, write_glove_text
from .matrix import CoverageReport, EmbeddingMatrix, WordVectors, build_embedding_matrix, coverage_report

__all__ = [
    "NAMED_VECTORS",
    "CoverageReport",
    "EmbeddingMatrix",
    "LoadStats",
    "WordVectors",
    "build_embedding_matrix",
    "check_vectors_source",
    "coverage_report",
    "load_vectors",
    "vocabulary_words",
    "write_glove_text",
]
