"""The static player: every state of an experiment precomputed into one self-contained HTML
block that needs no kernel and no network (markup in ``optlib/static/player.html``, behaviour
in ``player.js``; the format is described in :mod:`optlib.interact`)."""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
import json
import time
import warnings
from importlib import resources
from string import Template

import numpy as np

from optlib import viz
from optlib.interact._vectors import QUARTER, Packer

__all__ = ["StaticPage"]


def _b64(data):
    return base64.b64encode(data).decode()


def crop(rgba):
    """The part of an RGBA image that is not fully transparent, and its box (x, y, w, h)."""
    ys, xs = np.nonzero(rgba[..., 3])
    if not len(xs):
        return rgba[:1, :1], (0, 0, 1, 1)
    x, y = xs.min(), ys.min()
    w, h = xs.max() + 1 - x, ys.max() + 1 - y
    return rgba[y : y + h, x : x + w], (int(x), int(y), int(w), int(h))


def controls_html(controls, strides):
    """The player's controls: a range input or a select per control, and Play buttons."""
    out = []
    for name, c in controls.items():
        attrs = f'class="optlib-input" name="{html.escape(name)}" data-stride="{strides[name]}"'
        if c.kind == "dropdown":
            opts = "".join(
                f'<option value="{i}"{" selected" if i == c.index else ""}>'
                f"{html.escape(lab)}</option>"
                for i, lab in enumerate(c.labels)
            )
            field = f"<select {attrs}>{opts}</select>"
        else:
            labels = html.escape(json.dumps(c.labels))
            field = (
                f'<input type="range" {attrs} min="0" max="{len(c.values) - 1}" '
                f'step="1" value="{c.index}" data-labels="{labels}" '
                f'aria-label="{html.escape(c.label)}">'
                f'<output class="optlib-value">{html.escape(c.labels[c.index])}</output>'
            )
        if c.interval:
            field = (
                f'<button type="button" class="optlib-play" aria-pressed="false" '
                f'data-target="{html.escape(name)}" data-interval="{c.interval}">'
                f"Play</button>{field}"
            )
        out.append(
            f'<label class="optlib-control" data-name="{html.escape(name)}">'
            f"<span>{html.escape(c.label)}</span>{field}</label>"
        )
    return "".join(out)


class StaticPage:
    """Precomputes the states of an :class:`~optlib.interact.Experiment` and writes the player.

    ``build()`` computes and draws every combination of the controls' static values (with
    ``exp.batch`` in one call if given) and returns the HTML; ``stats`` then counts the
    states, backgrounds, vector and PNG overlays, and bytes.
    """

    def __init__(self, exp):
        self.exp = exp
        self.stats = {}

    def build_quietly(self, budget):
        """:meth:`build` with the warnings it raises collected: ``(html, warnings, seconds)``.
        The warnings come back as text and are summarised in one warning, not a flood; a page
        over ``budget`` bytes warns too."""
        t0 = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            page = self.build()
        found = [f"{w.category.__name__}: {w.message}" for w in caught]
        if found:
            warnings.warn(f"{len(found)} warnings while precomputing, the first: {found[0]}",
                          stacklevel=3)  # fmt: skip
        if len(page) > budget:
            warnings.warn(
                f"static experiment is {len(page) / 1e6:.2f} MB (budget {budget / 1e6:.1f} MB): "
                "use fewer static values",
                stacklevel=3,
            )
        return page, found, time.perf_counter() - t0

    def strides(self):
        """State index = sum of value index times stride (the last control varies fastest)."""
        shape = self.exp.shape
        strides = np.cumprod((1,) + shape[::-1])[:-1][::-1]
        return {name: int(s) for name, s in zip(self.exp.controls, strides, strict=True)}

    def build(self):
        exp, render = self.exp, self.exp.renderer
        controls = exp.controls
        strides = self.strides()
        # dropdowns vary slowest: each of their values redraws the background once
        names = sorted(controls, key=lambda n: controls[n].kind != "dropdown")
        grid = list(itertools.product(*(range(len(controls[n].values)) for n in names)))
        states = [dict(zip(names, idx, strict=True)) for idx in grid]
        datas = [None] * len(states)
        if exp.batch is not None:  # every state of the website in one call
            datas = exp.batch([exp.values(**s) for s in states])
        backgrounds, overlays, frames = {}, {}, [None] * len(states)  # key -> index
        packer, version, static, vector = Packer(), None, None, 0
        for indices, data in zip(states, datas, strict=True):
            exp.show(data=data, **indices)
            if render.version != version:  # the static part: (background, foreground)
                fg = self._cropped(render.foreground)
                static = (
                    _b64(viz.png(render.background, colors=64)),
                    None if fg is None else tuple(fg),
                )
                version = render.version
            content = render.vectors()
            if content is not None:
                key = hashlib.sha1(repr([(s, m, q.tobytes()) for s, m, q in content]).encode())
                key = ("vec", key.hexdigest())
                if key not in overlays:
                    overlays[key] = (len(overlays), packer.add(content))
                    vector += 1
            else:
                png, box = crop(render.overlay())
                key = ("png", _b64(viz.png(png, colors=32)), *box)
                if key not in overlays:
                    overlays[key] = (len(overlays), {"png": [key[1], *box]})
            k = sum(i * strides[n] for n, i in indices.items())
            frames[k] = [backgrounds.setdefault(static, len(backgrounds)), overlays[key][0]]
        exp.show()
        strides_default = sum(c.index * strides[n] for n, c in controls.items())
        first_bg = frames[strides_default][0]
        fg_list = [None if fg is None else list(fg) for _, fg in backgrounds]
        backgrounds = [bg for bg, _ in backgrounds]
        first = (backgrounds[first_bg], *self._first_overlay())
        backgrounds[first_bg] = ""  # in the page once: the player reads it from img.optlib-bg
        w, h = render.size
        data = {
            "size": [w, h],
            "q": QUARTER,
            "frames": frames,
            "backgrounds": backgrounds,
            "foregrounds": fg_list,
            "overlays": [entry for _, entry in overlays.values()],
            "styles": packer.styles,
            "markers": packer.markers,
            "points": packer.points(),
        }
        page = viz.figure_html(self._html(data, first), exp.caption_text(), w)
        self.stats = {
            "frames": len(frames),
            "backgrounds": len(backgrounds),
            "overlays": len(overlays),
            "vector_overlays": vector,
            "png_overlays": len(overlays) - vector,
            "bytes": len(page),
        }
        return page

    @staticmethod
    def _cropped(rgba):
        """A foreground as ``[png, x, y, w, h]`` (cropped), or None if there is none."""
        if rgba is None or not rgba[..., 3].any():
            return None
        png, box = crop(rgba)
        return [_b64(viz.png(png, colors=32)), *box]

    def _first_overlay(self):
        """The default state's moving artists as a cropped PNG and its box: what a reader
        sees before the script runs (and the whole figure for one without scripts)."""
        png, box = crop(self.exp.renderer.overlay())
        return _b64(viz.png(png, colors=32)), box

    def _html(self, data, first):
        exp, strides = self.exp, self.strides()
        w, h = exp.renderer.size
        background, overlay, (x, y, ow, _) = first
        fg = data["foregrounds"][
            data["frames"][sum(c.index * strides[n] for n, c in exp.controls.items())][0]
        ] or [
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=",
            0,
            0,
            1,
            1,
        ]
        frame = sum(c.index * strides[n] for n, c in exp.controls.items())
        moving = "Drawn for " + ", ".join(  # player.js rewrites it as the controls move
            f"{c.label} = {c.labels[c.index]}" for c in exp.controls.values()
        )
        static = resources.files("optlib") / "static"
        return Template((static / "player.html").read_text().strip()).substitute(
            frame=frame,
            nframes=len(data["frames"]),
            css=(static / "player.css").read_text(),
            width=w,
            height=h,
            alt=html.escape(exp.alt_text()),
            background=background,
            moving=html.escape(moving),
            place=f"left:{100 * x / w:.4f}%;top:{100 * y / h:.4f}%;width:{100 * ow / w:.4f}%",
            foreground=fg[0],
            fgplace=f"left:{100 * fg[1] / w:.4f}%;top:{100 * fg[2] / h:.4f}%;"
            f"width:{100 * fg[3] / w:.4f}%",
            overlay=overlay,
            controls=controls_html(exp.controls, strides),
            data=json.dumps(data, separators=(",", ":")).replace("</", "<\\/"),
            js=(static / "player.js").read_text(),
        )
