"""Refresh the JavaScript the website serves itself, so that it works with no internet.

    python tools/vendor_assets.py

Run it only to change a version below (it needs ``npm``). It fetches each package from the
npm registry with ``npm pack``, copies the few files the book's pages load into
``_static/vendor/`` together with their licences, and rewrites ``_static/vendor/README.md``
(versions, sizes, sha256). The pages find MathJax through ``mathjax_path`` in ``_config.yml``.
tests/site/ checks the files against that README. (The website needs no widget manager: every
experiment's static player is self-contained HTML; the live ipywidgets view is for Jupyter.)
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "_static" / "vendor"

# folder -> (npm package@version, what it is for, {file in the package: file in the folder})
# MathJax's CommonHTML fonts, in the folder where tex-chtml-full.js looks for them (a page loads
# only the fonts its equations use)
FONTS = "output/chtml/fonts/woff-v2"
FONT_NAMES = """
    AMS-Regular Calligraphic-Bold Calligraphic-Regular Fraktur-Bold Fraktur-Regular Main-Bold
    Main-Italic Main-Regular Math-BoldItalic Math-Italic Math-Regular SansSerif-Bold
    SansSerif-Italic SansSerif-Regular Script-Regular Size1-Regular Size2-Regular Size3-Regular
    Size4-Regular Typewriter-Regular Vector-Bold Vector-Regular Zero
""".split()

# folder -> (npm package@version, what it is for, {file in the package: file in the folder})
PACKAGES = {
    "mathjax": (
        "mathjax@3.2.2",
        "typesets the equations: one file with every TeX extension and CommonHTML output (1.3 MB,"
        " against 2.3 MB for SVG output, whose fonts are inside the script), so no extension is"
        " fetched later; the woff fonts are loaded only where a page uses them",
        {
            "es5/tex-chtml-full.js": "tex-chtml-full.js",
            "LICENSE": "LICENSE",
            **{f"es5/{FONTS}/MathJax_{n}.woff": f"{FONTS}/MathJax_{n}.woff" for n in FONT_NAMES},
        },
    ),
}


def npm_pack(spec, workdir):
    """Unpack ``npm pack spec`` in ``workdir``; return the package folder."""
    out = subprocess.run(
        ["npm", "pack", spec, "--silent"], cwd=workdir, capture_output=True, text=True, check=True
    ).stdout.split()[-1]
    dest = Path(workdir) / spec.replace("/", "_")
    with tarfile.open(Path(workdir) / out) as tar:
        tar.extractall(dest, filter="data")
    return dest / "package"


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main():
    rows = []
    shutil.rmtree(VENDOR, ignore_errors=True)
    with tempfile.TemporaryDirectory() as tmp:
        for folder, (spec, _, files) in PACKAGES.items():
            src, dest = npm_pack(spec, tmp), VENDOR / folder
            dest.mkdir(parents=True, exist_ok=True)
            for name, target in files.items():
                (dest / target).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src / name, dest / target)
                rows.append((f"{folder}/{target}", spec, (dest / target).stat().st_size))
    lines = [
        "# Vendored web assets",
        "",
        "The website loads these from its own `_static/vendor/`, never from a CDN, so it works",
        "with no internet. Written by `python tools/vendor_assets.py` (edit the versions there);",
        "`tests/site/` checks the files against the table below.",
        "",
    ]
    for folder, (spec, why, _) in PACKAGES.items():
        lines.append(f"- `{folder}/`: npm `{spec}`: {why}.")
    lines += ["", "| file | from | bytes | sha256 |", "| --- | --- | --- | --- |"]
    for path, spec, size in rows:
        lines.append(f"| `{path}` | `{spec}` | {size} | `{sha256(VENDOR / path)}` |")
    total = sum(size for _, _, size in rows)
    lines += ["", f"Total: {total / 1e6:.2f} MB.", ""]
    (VENDOR / "README.md").write_text("\n".join(lines))


if __name__ == "__main__":
    main()
