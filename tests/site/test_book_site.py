"""The book as a website: a strict build, then every page as a reader gets it, with no internet.

The book is built once (the module fixture `build`: every notebook executed, no warning). Then:

- the built HTML: no page loads anything from another host (MathJax is vendored in
  _static/vendor/; the theme's icons are web fonts it ships), every internal link and #anchor resolves, and every image
  has alt text or a caption;
- a real browser (Debian's headless Chromium driven by playwright) opens every page from a
  local server with the network cut off: no console error, no request to another host, every
  equation typeset, every image loaded, every experiment's controls change the picture shown,
  every icon drawn, no widget manager needed, and every page within its weight budget (4 MB
  for a first visit, 1 MB for the page and its own files). A screenshot of each page goes to test-artifacts/screenshots/.

Without Chromium the browser tests skip, except in CI (CI=true), where they fail: .ci/run
installs it. The JavaScript these tests run in the pages is in js/ (browser.py reads it).
Keep every test of the built site in this module, so that pytest-xdist
(--dist loadscope) runs them on one worker after the one build.
"""

import functools
import hashlib
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml
from browser import CHROMIUM, CHROMIUM_ARGS, chromium_or_skip, js
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
VENDOR = ROOT / "_static" / "vendor"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
# Lines of the build log that contain "WARNING" but are not problems of the book. Empty: the
# one candidate, ipykernel 7's "[IPKernelApp] WARNING | Kernel is running over TCP without
# encryption" at every kernel start, is avoided by pinning ipykernel 6.31 in requirements.txt,
# so that the strict build prints no warning at all.
BUILD_LOG_NOISE = ()

# Console errors that are allowed: (regular expression, why it is harmless). Anything else in
# the console fails the test. Empty: the errors a Jupyter Book 1 site logs were fixed where they
# arise instead: scripts written twice and vendored scripts loaded on every page
# (tools/page_scripts.py) and the theme's empty default colour mode (html_context in _config.yml).
CONSOLE_ALLOWED = []

# Requests to other hosts that are allowed (regular expressions on the URL). None: the site
# must work with no internet.
EXTERNAL_ALLOWED = []


@pytest.fixture(scope="module")
def build():
    """Build the book once per test session: `jupyter-book build . --all -W -n --keep-going`."""
    exe = shutil.which("jupyter-book") or str(Path(sys.executable).with_name("jupyter-book"))
    cmd = [exe, "build", str(ROOT), "--all", "-W", "-n", "--keep-going"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=os.environ.copy())
    return proc


@pytest.fixture(scope="module")
def built(build):
    """The built site, or a failure that points at the build's log."""
    if build.returncode != 0:
        pytest.fail("the book did not build: see test_strict_build_passes_without_warnings")
    return HTML


def build_warnings(log):
    ansi = re.compile(r"\x1b\[[0-9;]*m")
    lines = [ansi.sub("", line) for line in log.splitlines()]
    return [
        line
        for line in lines
        if ("WARNING" in line or "ERROR" in line)
        and not (BUILD_LOG_NOISE and line.startswith(BUILD_LOG_NOISE))
    ]


@pytest.mark.book
def test_strict_build_passes_without_warnings(build):
    log = build.stdout + build.stderr
    assert build.returncode == 0, log[-5000:]
    warnings = build_warnings(log)
    assert not warnings, "\n".join(warnings)
    assert (HTML / "index.html").exists()


def test_build_log_filter_keeps_real_warnings():
    log = (
        "[IPKernelApp] INFO | Kernel started\n"
        "/book/chapters/02_sgd.ipynb:12: WARNING: undefined label: 'sgd-update'\n"
        "\x1b[91mERROR: something\x1b[39;49;00m\n"
    )
    assert len(build_warnings(log)) == 2


@pytest.mark.book
def test_every_chapter_became_a_page(build):
    assert build.returncode == 0, (build.stdout + build.stderr)[-3000:]
    for nb in sorted((ROOT / "chapters").glob("*.ipynb")):
        assert (HTML / "chapters" / f"{nb.stem}.html").exists(), nb.name


# --- the built HTML, read as files -----------------------------------------------------------


def pages():
    """Every HTML page of the site, as paths relative to _build/html."""
    skip = ("_static", "_sources", "_images")
    return sorted(
        p.relative_to(HTML)
        for p in HTML.rglob("*.html")
        if p.relative_to(HTML).parts[0] not in skip
    )


@functools.cache
def soup(path):
    return BeautifulSoup((HTML / path).read_text(encoding="utf-8"), "html.parser")


# attributes through which a page loads a resource (an ordinary <a href> is a link, not one)
RESOURCE_ATTRS = {
    "script": ["src"],
    "img": ["src", "srcset"],
    "source": ["src", "srcset"],
    "iframe": ["src"],
    "video": ["src", "poster"],
    "audio": ["src"],
    "embed": ["src"],
    "object": ["data"],
    "input": ["src"],
}
RESOURCE_LINK_RELS = {"stylesheet", "preload", "modulepreload", "prefetch", "icon", "manifest"}
CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])\s*((?:https?:)?//[^'")\s]+)""")


def is_external(url):
    return url.strip().startswith(("http://", "https://", "//"))


def resources(doc):
    """(tag, URL) of every resource a parsed page loads through its markup, inline CSS included."""
    found = []
    for tag, attrs in RESOURCE_ATTRS.items():
        for el in doc.find_all(tag):
            for attr in attrs:
                for item in el.get(attr, "").split(",") if attr == "srcset" else [el.get(attr)]:
                    if item and item.strip():
                        found.append((tag, item.split()[0]))
    for el in doc.find_all("link", href=True):
        if RESOURCE_LINK_RELS & set(el.get("rel", [])):
            found.append(("link", el["href"]))
    for el in doc.find_all(style=True):
        found += [("style attribute", url) for url in CSS_URL.findall(el["style"])]
    for el in doc.find_all("style"):
        found += [("style", url) for url in CSS_URL.findall(el.get_text())]
    return found


@pytest.mark.book
def test_no_page_loads_anything_from_another_host(built):
    bad = [
        f"{page}: <{tag}> {url}"
        for page in pages()
        for tag, url in resources(soup(page))
        if is_external(url)
    ]
    for css in sorted((HTML / "_static").rglob("*.css")):
        text = re.sub(
            r"/\*.*?\*/", "", css.read_text(encoding="utf-8", errors="replace"), flags=re.S
        )
        bad += [f"{css.relative_to(HTML)}: {url}" for url in CSS_URL.findall(text)]
    assert not bad, "resources from other hosts:\n" + "\n".join(bad)


@pytest.mark.book
def test_each_page_loads_its_scripts_once_and_the_vendored_ones_where_needed(built):
    bad = []
    for page in pages():
        doc = soup(page)
        srcs = [urlsplit(el["src"]).path for el in doc.find_all("script", src=True)]
        # inline scripts of the page's head (an output may repeat its own, e.g. a player's)
        inline = [
            el.get_text() for el in (doc.head or doc).find_all("script", src=False) if el.get_text()
        ]
        bad += [f"{page}: {src} twice" for src in set(srcs) if srcs.count(src) > 1]
        bad += [f"{page}: an inline script twice" for body in set(inline) if inline.count(body) > 1]
        has_math = bool(doc.select(".math"))
        mathjax = any(src.endswith("vendor/mathjax/tex-chtml-full.js") for src in srcs)
        if has_math and not mathjax:  # Sphinx also loads it on pages whose toctree has math
            bad.append(f"{page}: has math but does not load MathJax")
        bad += [
            f"{page}: loads {src}" for src in srcs if src.endswith(("embed.js", "fontawesome.js"))
        ]
    assert not bad, "\n".join(bad)


def test_resource_scan_finds_external_resources():
    doc = BeautifulSoup(
        '<script src="https://cdn.example.org/x.js"></script><a href="https://doi.org/1">paper</a>'
        '<link rel="stylesheet" href="//fonts.example.org/css"><img src="_images/a.png">'
        "<style>@import 'https://fonts.example.org/f.css';</style>"
        '<img srcset="a.png 1x, https://img.example.org/b.png 2x">',
        "html.parser",
    )
    assert [url for _, url in resources(doc) if is_external(url)] == [
        "https://cdn.example.org/x.js",
        "https://img.example.org/b.png",
        "//fonts.example.org/css",
        "https://fonts.example.org/f.css",
    ]


def anchors(path):
    doc = soup(path)
    return {el["id"] for el in doc.find_all(id=True)} | {
        el["name"] for el in doc.find_all("a", attrs={"name": True})
    }


def refresh_target(page):
    """Where a <meta http-equiv="refresh"> page sends the reader, or None."""
    for meta in soup(page).find_all("meta", attrs={"http-equiv": re.compile("refresh", re.I)}):
        match = re.search(r"url=(.+)$", meta.get("content", ""), re.I)
        if match:
            return match.group(1).strip()
    return None


def link_targets(page):
    """Every URL the page links to or loads, internal or not."""
    doc = soup(page)
    urls = [el["href"] for el in doc.find_all(["a", "link", "area"], href=True)]
    urls += [url for _, url in resources(doc)]
    return urls + [refresh_target(page)] if refresh_target(page) else urls


def broken_link(page, url):
    """Why an internal ``url`` on ``page`` does not resolve, or None (also for external ones)."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or url.startswith("#") and len(url) == 1:
        return None  # another host, mailto:, data:, javascript:, or a bare "#" button
    target = (HTML / page).parent / unquote(parts.path) if parts.path else HTML / page
    target = target.resolve()
    if target.is_dir():
        target = target / "index.html"
    if not target.is_relative_to(HTML.resolve()):
        return f"{url}: outside the site"
    if not target.exists():
        return f"{url}: no such file"
    fragment = unquote(parts.fragment)
    if fragment and target.suffix == ".html":
        if fragment not in anchors(target.relative_to(HTML.resolve())):
            return f"{url}: no id {fragment!r} in {target.relative_to(HTML.resolve())}"
    return None


@pytest.mark.book
def test_every_internal_link_and_reference_resolves(built):
    bad = []
    for page in pages():
        for url in set(link_targets(page)):
            why = broken_link(page, url)
            if why:
                bad.append(f"{page}: {why}")
    assert not bad, "broken links:\n" + "\n".join(sorted(bad))


@pytest.mark.book
def test_link_checker_sees_broken_links(built):
    page = Path("intro.html")
    assert broken_link(page, "notation.html") is None
    assert broken_link(page, "https://example.org/nowhere.html") is None
    assert "no such file" in broken_link(page, "no-such-page.html")
    assert "no id" in broken_link(page, "notation.html#no-such-anchor")


@pytest.mark.book
def test_equations_and_figures_are_numbered_per_chapter(built):
    # tools/chapter_numbers.py: chapter NN numbers its items NN.1, NN.2, ... and its title
    # carries NN; other pages number their items from 1
    seen = 0
    for page in pages():
        m = re.match(r"chapters/(\d\d)_", page.as_posix())
        chapter = int(m.group(1)) if m else 0
        doc = soup(page)
        numbers = [re.search(r"\(([\d.]+)\)", el.get_text())[1] for el in doc.select("span.eqno")]
        if 1 <= chapter <= 16:
            assert doc.h1.get_text().startswith(f"{chapter}. "), page
            expected = [f"{chapter}.{k}" for k in range(1, len(numbers) + 1)]
            seen += len(numbers)
        else:
            expected = [str(k) for k in range(1, len(numbers) + 1)]
        assert numbers == expected, page
    assert seen > 40


def image_problem(img):
    """Why an <img> lacks a text alternative, or None. A file name is not alt text (it is what
    Sphinx puts there when a notebook output has none)."""
    alt = (img.get("alt") or "").strip()
    src = img.get("src", "")
    if alt and alt != src and not re.fullmatch(r"\S+\.(png|jpe?g|gif|svg|webp)", alt, re.I):
        return None
    figure = img.find_parent("figure")
    caption = figure.find("figcaption") if figure else None
    if caption and caption.get_text(strip=True):
        return None
    shown = src if not src.startswith("data:") else src[:30] + "..."
    classes = " ".join(img.get("class", []))
    return f"<img class={classes!r} src={shown!r} alt={alt!r}>: no alt text, no <figure> caption"


@pytest.mark.book
def test_every_image_has_alt_text_or_a_caption(built):
    bad = [
        f"{page}: {why}"
        for page in pages()
        for img in soup(page).find_all("img")
        if (why := image_problem(img))
    ]
    assert not bad, "images without a text alternative:\n" + "\n".join(bad)


def test_image_rule():
    def img(markup):
        return BeautifulSoup(markup, "html.parser").find("img")

    assert image_problem(img('<img src="a.png" alt="Paths of SGD and Adam">')) is None
    assert image_problem(img('<img src="a.png" alt="">'))
    assert image_problem(img('<img src="../_images/a.png" alt="../_images/a.png">'))
    assert image_problem(img('<img src="x" alt="abc123.png">'))
    captioned = '<figure><img src="a.png" alt=""><figcaption>Loss curves</figcaption></figure>'
    assert image_problem(img(captioned)) is None


# --- the vendored assets ---------------------------------------------------------------------


def vendored():
    """(path, bytes, sha256) rows of the table in _static/vendor/README.md."""
    rows = re.findall(
        r"^\| `([^`]+)` \| `[^`]+` \| (\d+) \| `([0-9a-f]{64})` \|$",
        (VENDOR / "README.md").read_text(),
        re.M,
    )
    return [(path, int(size), digest) for path, size, digest in rows]


def test_vendored_assets_match_their_manifest_and_have_licences():
    rows = vendored()
    assert rows, "no table in _static/vendor/README.md"
    for path, size, digest in rows:
        data = (VENDOR / path).read_bytes()
        assert (len(data), hashlib.sha256(data).hexdigest()) == (size, digest), path
    listed = {path for path, _, _ in rows} | {"README.md"}
    on_disk = {p.relative_to(VENDOR).as_posix() for p in VENDOR.rglob("*") if p.is_file()}
    assert on_disk == listed, "files in _static/vendor/ and its README.md differ"
    for folder in {Path(path).parts[0] for path in listed if "/" in path}:  # each package
        assert list((VENDOR / folder).glob("LICENSE*")), f"no licence in _static/vendor/{folder}"


def test_config_serves_mathjax_from_the_site_and_no_widget_manager():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"]["config"]
    assert not is_external(config["mathjax_path"])
    assert (ROOT / "_static" / config["mathjax_path"]).is_file()
    assert config["nb_ipywidgets_js"] == {}


# --- the site in a real browser, with no network ---------------------------------------------


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(built):
    """A local web server for the built site, on a free port of 127.0.0.1."""
    handler = functools.partial(QuietHandler, directory=str(built))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


WAIT_FOR_MATH = js("wait_for_math")


INSPECT = js("inspect_page")

SET_VALUE = js("set_value")

PICTURE = js("picture")


def exercise_player(page, index):
    """Move every control of the `index`-th static player as a reader would; return problems.

    The player's markup is documented in optlib/interact/__init__.py: div.optlib-player[data-frame]
    with img.optlib-bg + img.optlib-frame, controls .optlib-input (range or select) and
    button.optlib-play."""
    root = page.locator(".optlib-player").nth(index)
    problems = []
    if root.get_attribute("data-ready") != "1":
        return [f"player {index}: its script did not run (no data-ready)"]
    controls = root.locator(".optlib-input")
    for k in range(controls.count()):
        control = controls.nth(k)
        name = control.get_attribute("name")
        before = root.evaluate(PICTURE)
        if control.evaluate("el => el.tagName") == "SELECT":
            start = control.input_value()
            options = control.locator("option")
            values = [options.nth(i).get_attribute("value") for i in range(options.count())]
            moves = [functools.partial(control.select_option, v) for v in values if v != start]
            restore = functools.partial(control.select_option, start)
        else:  # a range slider: the keyboard moves it to either end
            start = control.input_value()
            moves = [
                functools.partial(control.press, key)
                for key, end in (("End", control.get_attribute("max")), ("Home", "0"))
                if end != start
            ]

            restore = functools.partial(control.evaluate, SET_VALUE, start)

        changed = False
        for move in moves:
            move()
            after = root.evaluate(PICTURE)
            if not after["loaded"]:
                problems.append(f"player {index}, control {name!r}: an image failed to load")
            if after["frame"] != before["frame"] and after["src"] != before["src"]:
                changed = True
                if after["alt"] == before["alt"]:  # the overlay's text names the state shown
                    problems.append(f"player {index}, control {name!r}: alt text did not follow")
                break
        if moves and not changed:
            problems.append(
                f"player {index}, control {name!r}: moving it left the picture as it was"
            )
        restore()
    buttons = root.locator("button.optlib-play")
    for k in range(buttons.count()):
        button = buttons.nth(k)
        before = root.evaluate(PICTURE)["frame"]
        button.click()
        interval = int(button.get_attribute("data-interval") or 200)
        try:
            page.wait_for_function(
                "([root, f]) => root.getAttribute('data-frame') !== f",
                arg=[root.element_handle(), before],
                timeout=interval * 10 + 2000,
            )
        except Exception:
            problems.append(f"player {index}: Play did not advance the frame")
        if button.get_attribute("aria-pressed") != "true":
            problems.append(f"player {index}: Play did not set aria-pressed")
        button.click()  # pause
    return problems


@pytest.fixture(scope="module")
def visits(server):
    """Open every page in headless Chromium with the network cut off; what each one showed."""
    sync_playwright = chromium_or_skip()
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    results = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        external = []

        def only_local(route):
            url = route.request.url
            if urlsplit(url).hostname == "127.0.0.1":
                route.continue_()
            else:
                external.append(url)
                route.abort()

        context.route("**/*", only_local)
        for path in pages():
            page = context.new_page()
            seen = {"console": [], "errors": [], "failed": []}
            page.on(
                "console",
                lambda msg, seen=seen: (
                    seen["console"].append(msg.text) if msg.type == "error" else None
                ),
            )
            page.on("pageerror", lambda err, seen=seen: seen["errors"].append(str(err)))
            page.on(
                "response",
                lambda r, seen=seen: (
                    seen["failed"].append(f"{r.status} {r.url}") if r.status >= 400 else None
                ),
            )
            del external[:]
            page.goto(f"{server}/{path.as_posix()}", wait_until="load")
            target = refresh_target(path)
            if target:  # a redirect page (index.html): check where it leads
                page.wait_for_url(f"{server}/{(path.parent / target).as_posix()}")
                page.wait_for_load_state("load")
            page.evaluate(WAIT_FOR_MATH)
            page.wait_for_function(  # every player's script ran (it inflates its data first)
                "() => [...document.querySelectorAll('.optlib-player')].every("
                "p => p.getAttribute('data-ready') || p.getAttribute('data-error'))",
                timeout=15000,
            )
            seen.update(page.evaluate(INSPECT))
            shot = SCREENSHOTS / (path.with_suffix("").as_posix().replace("/", "__") + ".png")
            page.screenshot(path=str(shot), full_page=True)  # as loaded, before any control moves
            seen["screenshot"] = shot
            seen["player_problems"] = [
                p for i in range(seen["players"]) for p in exercise_player(page, i)
            ]
            seen["external"] = list(external)
            results[path] = seen
            page.close()
        browser.close()
    return results


def allowed(text, patterns):
    return any(re.search(pattern, text) for pattern, _why in patterns)


@pytest.mark.browser
def test_every_page_opens_without_console_errors(visits):
    bad = [
        f"{path}: {text}"
        for path, seen in visits.items()
        for text in seen["console"] + seen["errors"]
        if not allowed(text, CONSOLE_ALLOWED)
    ]
    bad += [f"{path}: HTTP {r}" for path, seen in visits.items() for r in seen["failed"]]
    assert not bad, "\n".join(bad)


@pytest.mark.browser
def test_no_page_needs_the_internet(visits):
    bad = [
        f"{path}: {url}"
        for path, seen in visits.items()
        for url in seen["external"]
        if not allowed(url, [(p, "") for p in EXTERNAL_ALLOWED])
    ]
    assert not bad, "requests to other hosts (blocked):\n" + "\n".join(bad)


@pytest.mark.browser
def test_every_equation_is_typeset(visits):
    bad = []
    for path, seen in visits.items():
        bad += [f"{path}: not typeset: {m}" for m in seen["untypeset"]]
        bad += [f"{path}: TeX error: {m}" for m in seen["mathErrors"]]
        bad += [f"{path}: raw TeX left in the text: {m}" for m in seen["raw"]]
        if seen["math"] and not seen["typeset"]:
            bad.append(f"{path}: has math but MathJax typeset nothing")
    assert not bad, "\n".join(bad)
    assert any(seen["typeset"] for seen in visits.values()), "no page has any typeset math"


@pytest.mark.browser
def test_every_image_loads(visits):
    bad = [f"{path}: {src}" for path, seen in visits.items() for src in seen["unloaded"]]
    assert not bad, "images that did not load:\n" + "\n".join(bad)


@pytest.mark.browser
def test_every_experiment_responds_to_its_controls(visits):
    bad = [f"{path}: {p}" for path, seen in visits.items() for p in seen["player_problems"]]
    assert not bad, "\n".join(bad)


@pytest.mark.browser
def test_no_page_needs_a_widget_manager(visits):
    # every experiment is a self-contained static player; a widget view or stored widget
    # state on a page would need the 1.9 MB ipywidgets manager, which the site does not load
    bad = [
        f"{path}: {seen['widgetViews']} widget views, {seen['widgetState']} widget states"
        for path, seen in visits.items()
        if seen["widgetViews"] or seen["widgetState"]
    ]
    assert not bad, "\n".join(bad)


@pytest.mark.browser
def test_every_icon_is_drawn(visits):
    bad = []
    for path, seen in visits.items():
        bad += [f"{path}: icon {cls!r} has no glyph" for cls in seen["missingIcons"]]
        bad += [f"{path}: icon font {f} did not load" for f in seen["unloadedFonts"]]
    assert not bad, "\n".join(bad)
    assert any(seen["icons"] for seen in visits.values()), "no page shows an icon"


PAGE_BUDGET = 4_000_000  # bytes a first visit of a page loads, everything included
OWN_BUDGET = 1_000_000  # bytes of the page itself and of the files only it uses


def page_weight(path, seen):
    """(everything, the page's own): bytes of a first visit of ``path`` (as the browser
    loaded them: the HTML and every resource), and of the HTML plus files no other page uses."""
    resources = seen["bytes"]["resources"]
    # files every page loads, cached after the first visit: the theme's and the search index
    shared = {"_static/", "_sphinx_design_static/", "searchindex.js"}
    own = seen["bytes"]["page"] + sum(
        size for url, size in resources if not any(f"/{s}" in url for s in shared)
    )
    return seen["bytes"]["page"] + sum(size for _, size in resources), own


@pytest.mark.browser
def test_every_page_is_light(visits):
    bad = []
    for path, seen in visits.items():
        total, own = page_weight(path, seen)
        if total > PAGE_BUDGET:
            bad.append(f"{path}: a first visit loads {total / 1e6:.2f} MB (budget 4 MB)")
        if own > OWN_BUDGET:
            bad.append(f"{path}: the page and its own files are {own / 1e6:.2f} MB (budget 1 MB)")
    assert not bad, "\n".join(bad)
    assert all(seen["bytes"]["page"] > 0 for seen in visits.values())


@pytest.mark.browser
def test_a_screenshot_of_every_page(visits):
    assert set(visits) == set(pages())
    for seen in visits.values():
        assert seen["screenshot"].stat().st_size > 0
