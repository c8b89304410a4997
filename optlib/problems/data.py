"""Small real data sets that ship with scikit-learn, read without importing it."""

from __future__ import annotations

import functools
import gzip
import importlib.util
from pathlib import Path

import numpy as np

__all__ = ["breast_cancer", "digits", "FEATURE_NAMES"]

_TRAITS = ["radius", "texture", "perimeter", "area", "smoothness", "compactness", "concavity"]
_TRAITS += ["concave points", "symmetry", "fractal dimension"]
FEATURE_NAMES = tuple(f"{a}{q}{b}" for a, b in [("mean ", ""), ("", " error"), ("worst ", "")]
                      for q in _TRAITS)  # fmt: skip
"""The 30 breast-cancer feature names, in column order (as scikit-learn names them)."""


@functools.lru_cache(maxsize=1)
def breast_cancer():
    """``(X, y)``: the 569 x 30 Wisconsin breast-cancer features, standardised, labels 1 = benign.

    Read from the CSV that scikit-learn ships (without importing scikit-learn). Its first line
    is ``n_samples,n_features,target names``; each row is 30 features and the class (0 =
    malignant, 1 = benign). Features are scaled to mean 0 and (population) standard deviation 1.
    The arrays are cached and read-only.
    """
    path = _sklearn_data("breast_cancer.csv", "logistic_regression")
    with open(path) as f:
        n, d = (int(k) for k in f.readline().split(",")[:2])
    data = np.loadtxt(path, delimiter=",", skiprows=1)
    if data.shape != (n, d + 1):
        raise ValueError(f"{path}: expected {n} rows of {d} features and a label")
    X, y = data[:, :d], data[:, d]
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    X.flags.writeable = y.flags.writeable = False
    return X, y


@functools.lru_cache(maxsize=1)
def digits():
    """``(X, y)``: the 1797 handwritten digits of 8 x 8 pixels, scaled to [0, 1], labels 0-9.

    Read from the gzipped CSV that scikit-learn ships (``load_digits``; without importing
    scikit-learn): each row is 64 pixel intensities (integers 0-16, row by row) and the digit.
    The pixels are divided by 16. The arrays are cached and read-only; ``y`` is an integer array.
    """
    path = _sklearn_data("digits.csv.gz", "mlp")
    with gzip.open(path, "rt") as f:
        data = np.loadtxt(f, delimiter=",")
    if data.shape != (1797, 65):
        raise ValueError(f"{path}: expected 1797 rows of 64 pixels and a label")
    X, y = data[:, :64] / 16.0, data[:, 64].astype(np.intp)
    X.flags.writeable = y.flags.writeable = False
    return X, y


def _sklearn_data(name, user):
    """The path of the data file ``name`` that scikit-learn ships (``user`` needs it)."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or spec.origin is None:
        raise ImportError(
            f"{user} reads a data file that scikit-learn ships: pip install scikit-learn"
        )
    return Path(spec.origin).parent / "datasets" / "data" / name
