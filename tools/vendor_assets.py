"""Refresh the JavaScript the website serves itself, so that it works with no internet.

    python tools/vendor_assets.py

Run it only to change a version below (it needs ``npm``). It fetches each package from the
npm registry with ``npm pack``, copies the few files the book's pages load into
``_static/vendor/`` together with their licences, and rewrites ``_static/vendor/README.md``
(versions, sizes, sha256). The pages find them through ``_config.yml``: ``mathjax_path`` and
myst-nb's ``nb_ipywidgets_js``. tests/site/ checks the files against that README.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tarfile
import tempfile
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "_static" / "vendor"

# folder -> (npm package@version, what it is for, {file in the package: file in the folder})
PACKAGES = {
    "mathjax": (
        "mathjax@3.2.2",
        "typesets the equations: one file with every TeX extension and SVG output, so no "
        "extension or font is fetched later",
        {"es5/tex-svg-full.js": "tex-svg-full.js", "LICENSE": "LICENSE"},
    ),
    "jupyter-widgets": (
        "@jupyter-widgets/html-manager@1.0.15",
        "renders embedded ipywidgets views without a kernel (myst-nb loads it on pages that "
        "store widget state); the standalone bundle, which needs no RequireJS; the Font "
        "Awesome woff2 fonts are those its CSS asks for (loaded only if a widget shows an icon)",
        {
            "dist/embed.js": "embed.js",
            "dist/embed.js.LICENSE.txt": "embed.js.LICENSE.txt",
            "dist/1551f4f60c37af51121f.woff2": "1551f4f60c37af51121f.woff2",
            "dist/7a3337626410ca2f4071.woff2": "7a3337626410ca2f4071.woff2",
            "dist/d878b0a6a1144760244f.woff2": "d878b0a6a1144760244f.woff2",
        },
    ),
    "jupyter-widgets/fontawesome": (
        "@fortawesome/fontawesome-free@5.15.4",
        "the licence of the Font Awesome fonts bundled by the widget manager",
        {"LICENSE.txt": "LICENSE.txt"},
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
    with tempfile.TemporaryDirectory() as tmp:
        for folder, (spec, _, files) in PACKAGES.items():
            src, dest = npm_pack(spec, tmp), VENDOR / folder
            dest.mkdir(parents=True, exist_ok=True)
            for name, target in files.items():
                shutil.copyfile(src / name, dest / target)
                rows.append((f"{folder}/{target}", spec, (dest / target).stat().st_size))
            if folder == "jupyter-widgets":  # the package ships no licence file: it is the
                # ipywidgets repository's BSD-3-Clause licence, also in the ipywidgets wheel
                text = metadata.distribution("ipywidgets").read_text("licenses/LICENSE")
                (dest / "LICENSE").write_text(text)
                rows.append((f"{folder}/LICENSE", "ipywidgets (same repository)", len(text)))
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
