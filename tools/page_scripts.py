"""Sphinx extension (a local one, named in _config.yml): which scripts each page loads.

- Jupyter Book adds every ``.js`` file under ``_static/`` to every page. The vendored scripts of
  ``_static/vendor/`` are loaded only where they are needed, through ``mathjax_path`` (pages
  with math) and myst-nb's ``nb_ipywidgets_js`` (pages that store widget state), so they are
  taken out of that list; otherwise MathJax and the widget manager would run twice.
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


def one_copy_of_each_script(app, pagename, templatename, context, doctree):
    """Keep the first of identical scripts (same file or same inline body, same attributes)."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for js in scripts:
        key = (getattr(js, "filename", js) or "", sorted(getattr(js, "attributes", {}).items()))
        if repr(key) not in seen:
            seen.add(repr(key))
            unique.append(js)
    scripts[:] = unique


def setup(app):
    app.connect("config-inited", drop_vendored_scripts)
    app.connect("html-page-context", one_copy_of_each_script, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
