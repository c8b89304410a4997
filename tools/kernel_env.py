"""Sphinx extension (a local one, named in _config.yml): the environment of the kernels that
execute the chapters during a build.

One BLAS thread per kernel, as in the test suite (conftest.py): the chapters do many small
matrix products (the digits network on a few hundred examples), for which OpenBLAS's threads
cost far more than they give, above all when two kernels share two cores. A reader's own
setting (an ``OPENBLAS_NUM_THREADS`` already in the environment) is kept.
"""

import os

THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def one_thread(app, config):
    for var in THREADS:
        os.environ.setdefault(var, "1")


def setup(app):
    app.connect("config-inited", one_thread)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
