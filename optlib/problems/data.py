"""Small real data sets that ship with scikit-learn, read without importing it."""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import numpy as np

__all__ = ["breast_cancer", "FEATURE_NAMES"]

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
    spec = importlib.util.find_spec("sklearn")
    if spec is None or spec.origin is None:
        raise ImportError("logistic_regression reads a data file that scikit-learn ships")
    path = Path(spec.origin).parent / "datasets" / "data" / "breast_cancer.csv"
    with open(path) as f:
        n, d = (int(k) for k in f.readline().split(",")[:2])
    data = np.loadtxt(path, delimiter=",", skiprows=1)
    if data.shape != (n, d + 1):
        raise ValueError(f"{path}: expected {n} rows of {d} features and a label")
    X, y = data[:, :d], data[:, d]
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    X.flags.writeable = y.flags.writeable = False
    return X, y
