"""Sphinx extension (a local one, named in _config.yml): which scripts each page loads.

- Jupyter Book adds every ``.js`` file under ``_static/`` to every page. The vendored MathJax of
  ``_static/vendor/`` is loaded only where it is needed, through ``mathjax_path`` (pages with
  math), so it is taken out of that list; otherwise it would run twice.
- Executing a notebook stores the state of its ipywidgets, and myst-nb writes it into the page
  (about 40 KB per experiment). The website never shows a live widget (each experiment's
  static player is self-contained), so that state is dropped.
- Sphinx 7.4 writes twice each inline script that an extension registers once the builder
  exists (sphinx-thebe's and sphinx-togglebutton's settings). The second copy of thebe's
  declares its ``const`` names again, an error in the console of every page. A page keeps the
  first copy of each script.
"""

VENDOR = "vendor/"


def drop_vendored_scripts(app, config):
    """Remove _static/vendor/ from the scripts Jupyter Book adds to every page."""
    config.html_js_files = [
        entry
        for entry in config.html_js_files
        if not (entry[0] if isinstance(entry, (tuple, list)) else entry).startswith(VENDOR)
    ]


WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def one_copy_of_each_script(app, pagename, templatename, context, doctree):
    """Keep the first of identical scripts (same file or same inline body, same attributes),
    and no widget state."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for js in scripts:
        if getattr(js, "attributes", {}).get("type") == WIDGET_STATE:
            continue
        key = (getattr(js, "filename", js) or "", sorted(getattr(js, "attributes", {}).items()))
        if repr(key) not in seen:
            seen.add(repr(key))
            unique.append(js)
    scripts[:] = unique


def setup(app):
    app.connect("config-inited", drop_vendored_scripts)
    app.connect("html-page-context", one_copy_of_each_script, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
