"""The live path, in a real JupyterLab: a reader opens a chapter, runs it, and drags a slider.

The test starts ``jupyter lab`` on 127.0.0.1 with a token (a copy of the chapter as its root, so
that nothing it saves touches the repository), opens the chapter in headless Chromium with every request to another host aborted, runs all its cells,
then types a learning rate that is not one of the website's static values into an
experiment's slider. The slider must show that value, the kernel must recompute (the figure's
image changes, and the kernel computed exactly that value), and the browser console must stay
free of errors. The server stops at the end. Without Chromium the test skips, except in CI
(CI=true), where it fails, as the other browser tests do.
"""

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
from browser import CHROMIUM, CHROMIUM_ARGS, chromium_or_skip

from optlib import interact

ROOT = Path(__file__).resolve().parents[2]
CHAPTER = "chapters/00_interactive_figures.ipynb"
OFF_GRID = "0.0731"  # a learning rate between two of the website's 15 values

# Console messages of JupyterLab itself that are not errors of the book, with why they are
# harmless. Anything else fails the test.
CONSOLE_ALLOWED = []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on 127.0.0.1 serving the repository: (base URL, token)."""
    chromium_or_skip()
    exe = shutil.which("jupyter") or str(Path(sys.executable).with_name("jupyter"))
    port, token = free_port(), secrets.token_hex(16)
    home = tmp_path_factory.mktemp("jupyter")  # settings, workspaces and runtime of its own
    # the chapter is opened from a copy: JupyterLab saves what it opens, and the repository's
    # notebooks are stored without outputs (optlib is installed, so the copy runs anywhere)
    book = home / "book"
    (book / "chapters").mkdir(parents=True)
    shutil.copy(ROOT / CHAPTER, book / CHAPTER)
    news = (
        home
        / "settings"
        / "@jupyterlab"
        / "apputils-extension"
        / "notification.jupyterlab-settings"
    )
    news.parent.mkdir(parents=True)
    news.write_text('{"fetchNews": "false"}')  # no prompt about Jupyter's news, no request for it
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
    }
    cmd = [
        exe, "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={book}",
        "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        *(["--allow-root"] if os.geteuid() == 0 else []),  # CI runs as root
    ]  # fmt: skip
    log = open(home / "server.log", "w")  # noqa: SIM115 (closed below)
    server = subprocess.Popen(cmd, cwd=book, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2).read()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"jupyter lab did not start:\n{(home / 'server.log').read_text()}")
                time.sleep(0.5)
        yield base, token
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.mark.browser
def test_a_slider_moved_off_the_static_grid_recomputes_in_jupyterlab(lab):
    sync_playwright = chromium_or_skip()
    base, token = lab
    errors, external = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})

        def only_local(route):
            if urlsplit(route.request.url).hostname == "127.0.0.1":
                route.continue_()
            else:
                external.append(route.request.url)
                route.abort()

        context.route("**/*", only_local)
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda err: errors.append(str(err)))
        page.goto(f"{base}/lab/tree/{CHAPTER}?token={token}", wait_until="load")
        page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=60000)
        # the kernel has started and is idle (the status bar says so)
        page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=60000)

        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        # done when every code cell has an execution count and the kernel is idle again
        page.wait_for_function(
            """() => {
                const prompts = [...document.querySelectorAll(
                    '.jp-CodeCell .jp-InputArea-prompt')].map(p => p.textContent.trim());
                return prompts.length > 0 && prompts.every(p => /^\\[\\d+\\]:$/.test(p));
            }""",
            timeout=180000,
        )
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']")
        page.wait_for_selector(".jp-OutputArea-output .widget-readout", timeout=30000)

        # the first experiment of the chapter: learning rate (log slider) and momentum
        output = page.locator(".jp-OutputArea-output").filter(has=page.locator(".widget-readout"))
        readout = output.first.locator(".widget-readout").first
        image = output.first.locator("img").first
        before = {"value": readout.text_content(), "image": image.get_attribute("src")}
        readout.click()
        page.keyboard.press("Control+A")
        page.keyboard.type(OFF_GRID)
        page.keyboard.press("Enter")
        page.wait_for_function(
            "([img, src]) => img.getAttribute('src') !== src",
            arg=[image.element_handle(), before["image"]],
            timeout=30000,
        )
        after = {"value": readout.text_content(), "image": image.get_attribute("src")}
        shown_in_page = page.evaluate("() => document.title")
        browser.close()

    # the slider keeps the value typed, up to its step (1/200 of its range, in log10 units)
    assert float(before["value"]) == 0.05, before  # ".3g": shown as 0.0500
    value = float(after["value"])
    assert abs(np.log10(value / float(OFF_GRID))) <= np.log10(25) / 200 / 2 + 1e-3, after
    static = interact.log_slider(0.01, 0.25, static=15, value=0.05).values
    assert min(abs(np.log10(value / v)) for v in static) > 0.01  # not a value of the website
    assert after["image"] != before["image"]  # the kernel recomputed and redrew
    bad = [e for e in errors if not any(re.search(p, e) for p, _ in CONSOLE_ALLOWED)]
    assert not bad, "console errors:\n" + "\n".join(bad)
    assert not external, "requests to other hosts:\n" + "\n".join(external)
    assert "JupyterLab" in shown_in_page  # the tab title shortens the notebook's name


def test_the_chapter_under_test_has_a_continuous_slider_off_its_static_grid():
    # the premise of the JupyterLab test: OFF_GRID is inside the slider's range and is not
    # one of the website's values, so only a live computation can show it
    nb = json.loads((ROOT / CHAPTER).read_text())
    source = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    assert 'interact.log_slider(0.01, 0.25, static=15, value=0.05, label="learning rate η")' in (
        source
    )
    c = interact.log_slider(0.01, 0.25, static=15, value=0.05, label="learning rate η")
    assert not any(abs(v - float(OFF_GRID)) < 1e-4 for v in c.values)
    assert c.accept(float(OFF_GRID)) == float(OFF_GRID)
