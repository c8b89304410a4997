"""The book as one: every bibliography entry is cited, and no page promises a chapter that is
not in the table of contents (the strict build catches broken ``{ref}`` links; this catches
plain-text promises such as "chapter 13 shows ...")."""

import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def toc_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [c["file"] for c in part.get("chapters", [])]
    return files


def page_texts():
    """(file, text) of every page in the table of contents (markdown cells and markdown files;
    code cells of notebooks too, for citations made in captions)."""
    out = []
    for f in toc_files():
        path = ROOT / f"{f}.ipynb"
        if path.exists():
            cells = json.loads(path.read_text())["cells"]
            text = "\n".join("".join(c["source"]) for c in cells)
        else:
            text = (ROOT / f"{f}.md").read_text()
        out.append((f, text))
    return out


def cited_keys(text):
    keys = set()
    for group in re.findall(r"\{cite(?::[pt])?\}`([^`]+)`", text):
        keys |= {k.strip() for k in group.split(",")}
    return keys


def bib_keys():
    return set(re.findall(r"^@\w+\{([^,\s]+),", (ROOT / "references.bib").read_text(), re.M))


def test_every_bibliography_entry_is_cited():
    cited = set().union(*(cited_keys(text) for _, text in page_texts()))
    uncited = sorted(bib_keys() - cited)
    assert not uncited, f"entries of references.bib that no page cites: {uncited}"
    missing = sorted(cited - bib_keys())
    assert not missing, f"cited but not in references.bib: {missing}"


def test_citation_scan_finds_citations():
    text = "as {cite:p}`kingma2015` and {cite:t}`reddi2018, loshchilov2019` show; {cite}`a1`"
    assert cited_keys(text) == {"kingma2015", "reddi2018", "loshchilov2019", "a1"}


def chapter_numbers():
    return {int(m[1]) for f in toc_files() if (m := re.match(r"chapters/(\d\d)_", f))}


def promised(text):
    """Chapter numbers named in the text ("chapter 13", "Chapters 5 and 6")."""
    found = set()
    pattern = r"\b[Cc]hapters? (\d{1,2})(?:\s*(?:,|and|or|-|–)\s*(\d{1,2}))*\b(?!\s*times)"
    for m in re.finditer(pattern, text):
        found |= {int(n) for n in re.findall(r"\d{1,2}", m.group(0))}
    return found


def test_no_page_promises_a_chapter_that_is_not_in_the_book():
    have = chapter_numbers()
    bad = [f"{f}: chapter {n}" for f, text in page_texts() for n in sorted(promised(text) - have)]
    assert not bad, "pages that name chapters not in _toc.yml:\n" + "\n".join(bad)


def test_promise_scan_reads_chapter_numbers():
    assert promised("as chapter 13 shows, and Chapters 5 and 6") == {13, 5, 6}
    assert promised("the first chapter") == set()
    assert promised("every chapter 30 times") == set()
