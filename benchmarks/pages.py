"""Page weight: what a first visit of each page of the built website loads, measured in
headless Chromium (the browser the site tests use) with the network cut off.

For each page: ``total_bytes``, the page and everything it loads (scripts, styles, fonts,
images), as the browser decoded them; ``own_bytes``, the page's HTML and the files that only
it uses (its images), that is, everything outside the shared ``_static/``. The budgets: under
4 MB and under 1 MB. The site is ``_build/html`` (built with ``jupyter-book build .`` if it is
missing).
"""

import functools
import http.server
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
SHARED = ("/_static/", "/_sphinx_design_static/", "/searchindex.js")  # every page loads them
MEASURE = """() => {
    const nav = performance.getEntriesByType('navigation')[0];
    return {page: nav ? nav.decodedBodySize : 0,
            resources: performance.getEntriesByType('resource').map(
                r => [r.name, r.decodedBodySize || r.transferSize || 0])};
}"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def measure():
    """``[{"page", "total_bytes", "own_bytes", "resources"}]`` for every chapter and the front
    page, sorted by page."""
    from playwright.sync_api import sync_playwright

    if not (HTML / "index.html").exists():
        exe = str(Path(sys.executable).with_name("jupyter-book"))
        subprocess.run([exe, "build", str(ROOT)], cwd=ROOT, check=True, capture_output=True)
    pages = sorted(
        p.relative_to(HTML) for p in [HTML / "intro.html", *HTML.glob("chapters/*.html")]
    )
    handler = functools.partial(_Quiet, directory=str(HTML))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    out = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for path in pages:
                context = browser.new_context()  # a first visit: an empty cache
                context.route("**/*", lambda r: r.continue_() if urlsplit(r.request.url).hostname
                              == "127.0.0.1" else r.abort())  # fmt: skip
                page = context.new_page()
                page.goto(f"{base}/{path.as_posix()}", wait_until="load")
                page.evaluate("async () => { await document.fonts.ready; }")
                page.wait_for_timeout(500)  # fonts and images requested late
                seen = page.evaluate(MEASURE)
                context.close()
                resources = seen["resources"]
                own = seen["page"] + sum(s for u, s in resources if not any(d in u for d in SHARED))
                out.append({
                    "page": path.as_posix(),
                    "total_bytes": seen["page"] + sum(s for _, s in resources),
                    "own_bytes": own,
                    "html_bytes": seen["page"],
                    "resources": len(resources),
                })  # fmt: skip
            browser.close()
    finally:
        httpd.shutdown()
    return out


if __name__ == "__main__":
    for row in measure():
        print(
            f"{row['page']:<40} {row['total_bytes'] / 1e6:6.2f} MB  own {row['own_bytes'] / 1e6:5.2f} MB"
        )
