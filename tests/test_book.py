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


def page_texts(code=True):
    """(file, text) of every page in the table of contents: markdown files, and the markdown
    cells of notebooks with their code cells too (citations made in captions), or without them
    (``code=False``: the prose only, since code may print ASCII names)."""
    out = []
    for f in toc_files():
        path = ROOT / f"{f}.ipynb"
        if path.exists():
            cells = json.loads(path.read_text())["cells"]
            kept = [c for c in cells if code or c["cell_type"] == "markdown"]
            text = "\n".join("".join(c["source"]) for c in kept)
        else:
            text = (ROOT / f"{f}.md").read_text()
        out.append((f, text))
    return out


def cited_keys(text):
    keys = set()
    for group in re.findall(r"\{cite(?::[pt])?\}`([^`]+)`", text):
        keys |= {k.strip() for k in group.split(",")}
    return keys


def bib_key_list():
    return re.findall(r"^@\w+\{([^,\s]+),", (ROOT / "references.bib").read_text(), re.M)


def bib_keys():
    return set(bib_key_list())


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


def defined_labels(text):
    """Targets a page defines: ``(label)=``, ``:label:`` of a directive, ``$$ ... $$ (label)``."""
    return set(
        re.findall(r"^\s*\(([\w.-]+)\)=\s*$", text, re.M)
        + re.findall(r"^\s*:label:\s*([\w.-]+)", text, re.M)
        + re.findall(r"\$\$\s*\(([\w.-]+)\)", text)
    )


def unresolved_refs(pages):
    """A ``{ref}`` or ``{eq}`` whose label no page of the table of contents defines promises a
    chapter that is not in the book (``{ref}`arena```) just as "chapter 13" does."""
    labels = set().union(*(defined_labels(text) for _, text in pages))
    bad = []
    for f, text in pages:
        for role, target in re.findall(r"\{(ref|eq)\}`([^`]+)`", text):
            label = re.sub(r"^.*<([^>]+)>$", r"\1", target.strip(), flags=re.S)
            if label not in labels:
                bad.append(f"{f}: {{{role}}}`{label}`")
    return bad


def test_no_page_links_a_label_that_no_page_defines():
    """Expected to fail while a chapter that others link (13 arena, 15 parallel) is not merged."""
    bad = unresolved_refs(page_texts())
    assert not bad, "links to labels that no page in _toc.yml defines:\n" + "\n".join(bad)


def test_reference_scan_finds_undefined_labels():
    pages = [
        ("intro", "(intro)=\n# Intro\nsee {ref}`arena` and {ref}`the start <intro>`"),
        ("chapters/01_a", "$$\nx\n$$ (a-eq)\n\n```{exercise} E\n:label: a-ex\n```\n"
         "{eq}`a-eq`, {ref}`a-ex`, {eq}`b-eq`"),
    ]  # fmt: skip
    assert unresolved_refs(pages) == ["intro: {ref}`arena`", "chapters/01_a: {eq}`b-eq`"]
    assert unresolved_refs(pages[:1] + [("chapters/13_arena", "(arena)=\n# Arena")]) == []


# Symbols that once meant two things in the book, and where each may still appear. A page
# outside the list that writes one of them gets the notation's symbol instead.
NOTATION_RULES = [
    (
        r"\\lambda_\{?\\(?:max|min)",
        (),
        "write L and mu for a quadratic's extreme eigenvalues, lambda_1 >= ... >= lambda_d "
        "otherwise (notation.md)",
    ),
    (
        r"\\Delta_(?:t|\{t)",
        ("chapters/06_rmsprop", "chapters/07_adadelta", "chapters/97_update_rules", "notation"),
        "Delta_t is Adadelta's update (chapter 7) and Rprop's step sizes (chapter 6) only; "
        "a method's step x_t - x_{t-1} is s_t",
    ),
    (
        r"(?<!writes \$)\\alpha_t",
        ("chapters/04_newton", "chapters/10_nadam", "notation"),
        "alpha_t is the step length of a line search (chapter 4); the learning rate is eta_t "
        "(a page may quote a paper: 'the paper writes $\\alpha_t$ for ...'; chapter 10 uses "
        "the Nadam paper's)",
    ),
    (
        r"\\epsilon(?!\w)",
        (),
        "the small constant is \\varepsilon (notation.md)",
    ),
    (
        r"\bB_(?:t|\{|\\infty)",
        (),
        "B is the batch size; a bound on a step is W_t (chapter 8)",
    ),
    (
        r"\\nu_t|\\nu\^2",
        (),
        "the gradient noise is xi_t, the variance of its coordinate sigma_{xi,i}^2; nu is "
        "chapter 12's scale",
    ),
    (
        r"\bc\(B\)",
        (),
        "the batch factor is c_B = (n - B)/(n - 1), and a batch of B distinct examples has the "
        "noise covariance c_B S / B (notation.md)",
    ),
]


def notation_clashes(pages):
    bad = []
    for pattern, allowed, rule in NOTATION_RULES:
        for f, text in pages:
            if f not in allowed and re.search(pattern, text):
                bad.append(f"{f}: {re.search(pattern, text).group(0)}: {rule}")
    return bad


def test_no_page_uses_a_symbol_that_clashes_with_the_notation():
    bad = notation_clashes(page_texts(code=False))
    assert not bad, "symbols that clash with notation.md:\n" + "\n".join(bad)


def test_notation_scan_catches_the_clashes_it_names():
    page = [("chapters/09_adamax", r"the step $\Delta_t$ and $2/\lambda_{\max}$, $\alpha_t$")]
    assert len(notation_clashes(page)) == 3
    assert notation_clashes([("chapters/07_adadelta", r"$\Delta_t = \dots$")]) == []
    assert notation_clashes([("chapters/11_amsgrad", r"The paper writes $\alpha_t$ for")]) == []
    page = [("chapters/02_sgd", r"$\epsilon$, $B_t \le B_\infty$, $\nu_t$, $\nu^2$, $c(B)\, C$")]
    assert len(notation_clashes(page)) == 4
    page = [("chapters/02_sgd", r"$\varepsilon$, $\hat\epsilon_1$, $\mathcal{B}_t$, $c_B$, $\nu$")]
    assert notation_clashes(page) == []


def test_notation_defines_each_symbol_once_or_says_whose_it_is():
    """A symbol with two rows in notation.md must say, in each row, which chapter it belongs to."""
    rows = re.findall(r"^\| (\$[^|]+\$[^|]*) \| (.+) \|$", (ROOT / "notation.md").read_text(), re.M)
    seen = {}
    for symbol, meaning in rows:
        key = re.sub(r"\s+", "", symbol.split("$")[1])
        seen.setdefault(key, []).append(meaning)
    for key, meanings in seen.items():
        if len(meanings) > 1:
            assert all(re.search(r"[Cc]hapter \d", m) for m in meanings), (key, meanings)


def test_bibliography_keys_are_unique():
    """Two entries with one key (two papers by a Zhang in 2019) would silently cite the wrong one."""
    keys = bib_key_list()
    assert len(keys) == len(set(keys)), sorted({k for k in keys if keys.count(k) > 1})


def test_bibliography_parses_entry_by_entry():
    """Every entry is closed: a merge that cuts an entry's last lines makes the strict build fail
    with a bare 'syntax error'; this names the entry."""
    from pybtex.database import parse_string

    text = (ROOT / "references.bib").read_text()
    entries = re.split(r"\n(?=@)", text)
    for entry in entries:
        if entry.strip().startswith("@"):
            key = re.match(r"\s*@\w+\{([^,\s]+),", entry)[1]
            assert entry.count("{") == entry.count("}"), f"entry {key} is not closed"
    assert len(parse_string(text, "bibtex").entries) == len(bib_keys())
