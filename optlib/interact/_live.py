"""The live view: ipywidgets controls and the figure, recomputed on every change (Jupyter,
Binder, Colab). A continuous control is a float slider over its whole range; a discrete one
offers its values."""

from __future__ import annotations

import html
import time

import numpy as np

__all__ = ["LiveView"]


def _input(W, c):
    """The ipywidgets control of ``c``: a float slider (linear or log) over its whole range
    if it is continuous, else a selection of its values (the value is the index)."""
    kw = dict(description=c.label, style={"description_width": "initial"})
    if c.live is not None:
        low, high, scale = c.live
        if scale == "log":
            lo, hi = np.log10(low), np.log10(high)
            return W.FloatLogSlider(value=c.default, base=10, min=lo, max=hi,
                                    step=(hi - lo) / 200, readout_format=".3g",
                                    continuous_update=True, **kw)  # fmt: skip
        return W.FloatSlider(value=c.default, min=low, max=high, step=(high - low) / 200,
                             readout_format=".3g", continuous_update=True, **kw)  # fmt: skip
    options = [(lab, i) for i, lab in enumerate(c.labels)]
    if c.kind == "dropdown":
        return W.Dropdown(options=options, value=c.index, **kw)
    return W.SelectionSlider(options=options, value=c.index, continuous_update=True, **kw)


class LiveView:
    """The widget of an experiment: ``widget`` (an ``ipywidgets.VBox``), ``inputs`` (name ->
    control widget) and ``image``; a change of any input calls ``exp.move`` and redraws.
    ``redraw_s`` is the time the last change took (compute, draw and PNG)."""

    def __init__(self, exp):
        import ipywidgets as W

        self.exp, self.redraw_s = exp, None
        w, h = exp.renderer.size
        caption = W.HTML(f"<p>{html.escape(exp.caption_text(live=True))}</p>")
        caption.layout.max_width = f"{w}px"
        self.image = W.Image(value=exp.png(), format="png", width=w, height=h)
        self.error = W.HTML()
        self.inputs, rows = {}, []
        for name, c in exp.controls.items():
            box = _input(W, c)
            box.observe(lambda change, name=name: self.changed(name), names="value")
            self.inputs[name] = box
            if c.interval:
                play = W.Play(min=0, max=len(c.values) - 1, value=c.index, interval=c.interval)
                W.jslink((play, "value"), (box, "index"))
                box = W.HBox([play, box])
            rows.append(box)
        controls = W.Box(rows, layout=W.Layout(flex_flow="row wrap"))
        self.widget = W.VBox([controls, self.image, caption, self.error])

    def changed(self, name):
        """Recompute and redraw after input ``name`` changed; errors show under the figure."""
        t0 = time.perf_counter()
        try:
            box, c = self.inputs[name], self.exp.controls[name]
            self.exp.move(name, box.value if c.live is not None else c.values[box.value])
            self.image.value = self.exp.png()
            self.error.value = ""
        except Exception as err:  # shown under the figure, not lost in a log
            self.error.value = f"<pre>{html.escape(f'{type(err).__name__}: {err}')}</pre>"
        self.redraw_s = time.perf_counter() - t0
