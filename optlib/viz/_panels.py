"""Panels: several figure functions side by side in one figure, updated together (for an
experiment whose state shows, say, paths on the left and loss curves on the right)."""

from __future__ import annotations

from optlib.viz._drawing import Drawing

__all__ = ["panels"]


def panels(*draws, width_ratios=None):
    """A figure function that puts ``draws`` (figure functions such as ``viz.trajectories``
    and ``viz.losses``) side by side. It takes ``fig=`` and ``panels``, a list with one dict of
    keyword arguments per figure function::

        draw = viz.panels(viz.trajectories, viz.losses)
        draw(fig=fig, panels=[{"problem": p, "runs": runs}, {"runs": runs, "problem": p}])

    An experiment's ``compute`` returns ``{"panels": [...]}``; the returned Drawing's
    ``update`` updates every panel and reports whether any background changed.
    """
    if not draws:
        raise ValueError("panels needs at least one figure function")

    def draw(fig, panels, **_):
        if len(panels) != len(draws):
            raise ValueError(f"panels must hold {len(draws)} dicts, got {len(panels)}")
        axes = fig.subplots(1, len(draws), squeeze=False,
                            gridspec_kw={"width_ratios": width_ratios})[0]  # fmt: skip
        drawings = [d(ax=ax, **kw) for d, ax, kw in zip(draws, axes, panels, strict=True)]

        def update(panels, **_):
            changed = [d.update(**kw) for d, kw in zip(drawings, panels, strict=True)]
            return any(changed)

        artists = [a for d in drawings for a in d.artists]
        return Drawing(fig, list(axes), artists, update)

    return draw
