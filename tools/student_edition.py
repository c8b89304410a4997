"""Write the student edition of chapters: the same notebooks without solutions or outputs.

    python tools/student_edition.py                         # every chapter, into student/
    python tools/student_edition.py chapters/02_sgd.ipynb --out hw3/
    python tools/student_edition.py --links                 # also print Binder and Colab links
    python tools/student_edition.py --hub https://hub.example.edu   # and nbgitpuller links

Every cell tagged ``solution`` is removed (nbconvert's ``TagRemovePreprocessor``) and every
output is cleared (``ClearOutputPreprocessor``). Exercise prompts, the ``exercise`` stub cells
and the ``check`` cells stay, so a student fills in a stub and runs its check.

``--links`` prints, for each notebook written, the Binder and Colab links that open it from
the repository named by ``repository.url`` and ``repository.branch`` in ``_config.yml``; they
work once the written notebooks are committed and pushed there (see instructors.md).
``--hub URL`` adds, for a JupyterHub at ``URL`` that has nbgitpuller installed, the link that
clones the repository into the student's home on the hub (or updates the clone, keeping the
student's changes) and opens the notebook in JupyterLab.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from urllib.parse import quote, urlencode

import nbformat
import yaml
from nbconvert.preprocessors import ClearOutputPreprocessor, TagRemovePreprocessor

ROOT = Path(__file__).resolve().parents[1]
SOLUTION_TAG = "solution"


def student_notebook(nb):
    """A copy of notebook ``nb`` (an nbformat node) without solution cells and outputs."""
    nb = nbformat.from_dict(nb)  # a deep copy: the input is left as it was
    resources = {}
    remove = TagRemovePreprocessor(remove_cell_tags={SOLUTION_TAG}, enabled=True)
    nb, resources = remove.preprocess(nb, resources)
    nb, resources = ClearOutputPreprocessor(enabled=True).preprocess(nb, resources)
    nb.metadata.pop("widgets", None)  # widget state saved with outputs, if any
    return nb


def write_student_edition(paths, out):
    """Write the student edition of each notebook in ``paths`` into folder ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in map(Path, paths):
        nb = student_notebook(nbformat.read(path, as_version=4))
        nbformat.validate(nb)
        target = out / path.name
        nbformat.write(nb, target)
        written.append(target)
    return written


def launch_links(notebook, repo_url, branch):
    """Binder and Colab links of ``notebook`` (a path relative to the repository root)."""
    owner_repo = repo_url.rstrip("/").removesuffix(".git").split("github.com/")[-1]
    path = Path(notebook).as_posix()
    binder = (
        f"https://mybinder.org/v2/gh/{owner_repo}/{branch}"
        f"?urlpath={quote(f'lab/tree/{path}', safe='')}"
    )
    colab = f"https://colab.research.google.com/github/{owner_repo}/blob/{branch}/{path}"
    return binder, colab


def hub_link(notebook, repo_url, branch, hub):
    """The nbgitpuller link that opens ``notebook`` (a path relative to the repository root)
    on the JupyterHub at ``hub``, in JupyterLab, after cloning or updating the repository.

    As nbgitpuller's link generator writes it: ``<hub>/hub/user-redirect/git-pull`` with the
    query ``repo``, ``urlpath`` and ``branch``, where ``urlpath`` opens the notebook inside
    the folder that git clones into (the repository's name).
    """
    repo_url = repo_url.rstrip("/")
    folder = repo_url.split("/")[-1].removesuffix(".git")
    urlpath = f"lab/tree/{folder}/{Path(notebook).as_posix()}"
    query = urlencode({"repo": repo_url, "urlpath": urlpath, "branch": branch})
    return f"{hub.rstrip('/')}/hub/user-redirect/git-pull?{query}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "notebooks", nargs="*", type=Path, help="chapter notebooks (default: chapters/*.ipynb)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "student", help="output folder")
    parser.add_argument(
        "--links", action="store_true", help="print Binder and Colab links of each notebook"
    )
    parser.add_argument(
        "--hub", help="also print nbgitpuller links for the JupyterHub at this address"
    )
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "chapters").glob("*.ipynb"))
    if not paths:
        parser.error("no notebooks given and none found in chapters/")
    written = write_student_edition(paths, args.out)
    repo = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
    for target in written:
        print(f"wrote {target}")
        if args.links or args.hub:
            try:
                relative = target.resolve().relative_to(ROOT)
            except ValueError:
                relative = target  # outside this clone: the path you will commit it under
            binder, colab = launch_links(relative, repo["url"], repo.get("branch", "main"))
            print(f"  Binder: {binder}\n  Colab:  {colab}")
            if args.hub:
                link = hub_link(relative, repo["url"], repo.get("branch", "main"), args.hub)
                print(f"  JupyterHub: {link}")


if __name__ == "__main__":
    main()
