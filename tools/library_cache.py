"""Sphinx extension (a local one, named in _config.yml): a change to ``optlib`` empties the cache
of executed notebooks.

The build caches each notebook's outputs (``execute_notebooks: cache``, in
``_build/.jupyter_cache``) keyed on the notebook's own code. But a chapter's outputs depend on
``optlib`` too: its figures, and the static players' data, whose format ``optlib/static/player.js``
must read. So the cache also records a hash of every file of the ``optlib`` package; when the
hash differs from the one stored with the cache, the cache and Sphinx's saved environment are
emptied, and every chapter runs again.
"""

import hashlib
import shutil
from pathlib import Path

OPTLIB = Path(__file__).resolve().parents[1] / "optlib"
STAMP = "optlib.sha256"


def library_hash(root=OPTLIB):
    """A hash of the names and contents of the package's source and static files."""
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in {".py", ".js", ".css", ".html", ".json"}:
            h.update(str(path.relative_to(root)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def refresh(cache, digest):
    """Empty ``cache`` if it was filled with another ``optlib`` (True if it did)."""
    cache, stamp = Path(cache), Path(cache) / STAMP
    stale = cache.exists() and (not stamp.exists() or stamp.read_text() != digest)
    if stale:
        shutil.rmtree(cache)
    cache.mkdir(parents=True, exist_ok=True)
    stamp.write_text(digest)
    return stale


def check_cache(app, config):
    if getattr(config, "nb_execution_mode", "") != "cache":
        return
    # myst-nb's default place, beside the output folder, unless the config names one
    cache = config.nb_execution_cache_path or Path(app.outdir).parent / ".jupyter_cache"
    if refresh(Path(app.confdir, cache), library_hash()):
        # the pages read with the old outputs too: Sphinx reads every page again
        shutil.rmtree(app.doctreedir, ignore_errors=True)


def setup(app):
    app.connect("config-inited", check_cache)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
