"""Sphinx extension (a local one, named in _config.yml): numbers per chapter.

The chapters are ``chapters/NN_name`` with NN from 01 to 16. Their equations, figures, tables
and algorithms are numbered NN.1, NN.2, ... in the order they appear, so that "(8.3)" is the
third numbered equation of chapter 8 wherever it is cited, and the chapter's title carries its
number (sidebar, previous/next links and the page heading: "8. Adam"). Other pages (the front
page, the appendices, chapter 00) number their items 1, 2, ... per page.

Sphinx numbers items per section number of a numbered toctree, and the book's table of contents
has several parts (each its own toctree, whose numbering would restart at 1), so the numbers are
rewritten here, after Sphinx has assigned them (``env-get-updated``).
"""

import re

from docutils import nodes

CHAPTER = re.compile(r"^chapters/(\d\d)_")


def chapter_of(docname):
    """The chapter number of ``docname`` (1-16), or None for pages that are not chapters."""
    m = CHAPTER.match(docname)
    number = int(m.group(1)) if m else 0
    return number if 1 <= number <= 16 else None


def renumber(app, env):
    """Rewrite every page's item numbers: (chapter, k) in chapters, (k,) elsewhere."""
    for docname, figtypes in env.toc_fignumbers.items():
        prefix = (chapter_of(docname),) if chapter_of(docname) else ()
        for numbers in figtypes.values():
            ordered = sorted(numbers, key=lambda fig_id: numbers[fig_id])
            for k, fig_id in enumerate(ordered, start=1):
                numbers[fig_id] = (*prefix, k)
    for docname, title in env.titles.items():
        number = chapter_of(docname)
        if not number:
            continue
        # the title (previous/next links) and the first entry of the page's own table of
        # contents (what the sidebar shows)
        entry = env.tocs[docname].next_node(nodes.reference) if docname in env.tocs else None
        for node in (title, entry):
            if node is not None and not node.astext().startswith(f"{number}. "):
                node.insert(0, nodes.Text(f"{number}. "))
    return list(env.toc_fignumbers)


def number_heading(app, doctree, docname):
    """Put the chapter's number in front of the page's first heading."""
    number = chapter_of(docname)
    if not number:
        return
    for section in doctree.findall(nodes.section):
        title = section.next_node(nodes.title)
        if title is not None and not title.astext().startswith(f"{number}. "):
            title.insert(0, nodes.Text(f"{number}. "))
        return


def setup(app):
    app.connect("env-get-updated", renumber, priority=900)
    app.connect("doctree-resolved", number_heading)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
