"""tools/library_cache.py: the cache of executed notebooks is emptied when optlib changes."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

import library_cache  # noqa: E402


def test_the_cache_is_emptied_when_the_library_changes(tmp_path):
    lib, cache = tmp_path / "lib", tmp_path / "cache"
    lib.mkdir()
    (lib / "player.js").write_text("int32")
    first = library_cache.library_hash(lib)
    assert not library_cache.refresh(cache, first)  # a new cache: nothing to empty
    (cache / "executed.ipynb").write_text("{}")
    assert not library_cache.refresh(cache, library_cache.library_hash(lib))  # unchanged: kept
    assert (cache / "executed.ipynb").exists()
    (lib / "player.js").write_text("varints")
    second = library_cache.library_hash(lib)
    assert second != first
    assert library_cache.refresh(cache, second)  # another optlib: emptied
    assert not (cache / "executed.ipynb").exists() and (cache / library_cache.STAMP).exists()


def test_the_hash_covers_the_package():
    assert library_cache.library_hash() == library_cache.library_hash()
    assert len(library_cache.library_hash()) == 64
