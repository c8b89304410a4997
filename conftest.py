"""pytest's settings for the whole repository (tests/ and the chapters under nbval).

One BLAS thread per process. The suite runs two pytest workers on two cores, and every notebook
kernel they start inherits this environment: with OpenBLAS's default of one thread per core, the
chapters' small matrix products ran up to tens of times slower under that load.
"""

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
