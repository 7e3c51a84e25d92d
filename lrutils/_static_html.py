"""Self-contained HTML for figures that must work on a static web page (no kernel, no CDN).

Private helpers of :mod:`lrutils.explorer` and :mod:`lrutils.animation`:

* :func:`render_png` turns a matplotlib figure into PNG bytes, byte-for-byte the same on every
  run (Agg, no metadata), optionally reduced to a 256-colour palette, which makes line plots
  about three times smaller with no visible change;
* :func:`layered_frames` splits the frames of one figure into a shared background and, per
  frame, a transparent overlay of the pixels that differ from it: a page stores the contours,
  axes and labels once instead of in every frame (5 to 10 times fewer bytes);
* :func:`explorer_html` writes the HTML of a precomputed explorer: one ``<input type=range>``
  per numeric control, one ``<select>`` per choice, an ``<img>`` that shows the background
  (as its CSS background) under the current overlay, and a little inline script that swaps
  the overlay when a control moves. With ``player``, the explorer is an animation: its one
  slider walks through the frames, and a play/pause button and an end-of-animation menu
  (loop, once, reflect) drive it from a second little script;
* :class:`StaticHTML` is what the explorers and the animations return: the HTML, which
  Jupyter displays, and a few counts, which make its one-line text form.

Everything written is reproducible: element ids are derived from the content
(:func:`stable_id`), the PNG frames carry no metadata, and nothing is loaded from elsewhere
(no CDN, no web font, no icon font: the player's icons are inline SVG).

Markup of an explorer (stable; the browser tests rely on it)::

    div.lru-explorer[data-lru-explorer=ID][data-lru-frames=STATES][data-lru-images=PNGS]
      div.lru-title                               (only with a title)
      div.lru-controls
        div.lru-control[data-lru-control=NAME][data-lru-path=PATH]
                       [data-lru-kind=log|linear|int|choice]
                       [data-lru-parent=PATH data-lru-option=I]   (controls of one option)
          label
          input[type=range].lru-slider[min=0][max=n-1][step=1][data-lru-labels=JSON]
          output.lru-value                        (the value shown next to the slider)
          -- or --
          select.lru-select > option[value=I]
      img.lru-frame[data-lru-key=KEY][data-lru-frame=I][style=background: BACKGROUND]
      script.lru-data[type=application/json]      ({"keys": {KEY: I}, "frames": [base64]})
      script                                       (plain inline JavaScript)

An animation (``player``) is the same with one slider, and these additions::

    div.lru-explorer.lru-animation[data-lru-interval=MS]   (milliseconds between frames)
      div.lru-controls
        button.lru-play[type=button][title=Play|Pause][aria-label=Play|Pause] > svg > path
        div.lru-control ...                       (the frame slider)
        div.lru-loop > label + select.lru-loop-mode > option[value=loop|once|reflect]
      ...
      script                                       (the play loop, after the explorer's)
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
from collections.abc import Mapping, Sequence

import numpy as np

__all__ = ["render_rgb", "encode_png", "render_png", "layered_frames", "png_size", "stable_id",
           "explorer_html", "LOOP_MODES", "StaticHTML"]

#: What an animation does when it reaches its last frame: start again, stop, or play
#: backwards to the first frame and on (as matplotlib's player names them).
LOOP_MODES = ("loop", "once", "reflect")


# --------------------------------------------------------------------------------------
# PNG rendering
# --------------------------------------------------------------------------------------
def render_rgb(fig) -> np.ndarray:
    """Render ``fig`` with Agg to an ``(height, width, 3)`` uint8 array (transparency on white)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = fig.canvas
    if not isinstance(canvas, FigureCanvasAgg):
        canvas = FigureCanvasAgg(fig)
    canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba())
    if rgba[..., 3].min() < 255:  # transparent background: flatten onto white
        alpha = rgba[..., 3:4].astype(np.float64) / 255.0
        return np.round(rgba[..., :3] * alpha + 255.0 * (1.0 - alpha)).astype(np.uint8)
    return np.ascontiguousarray(rgba[..., :3])


def encode_png(rgb: np.ndarray, *, small: bool = True) -> bytes:
    """PNG bytes of an ``(height, width, 3)`` uint8 image, identical from run to run.

    ``small=True`` reduces the image to an adaptive 256-colour palette (maximum coverage,
    which keeps a white background exactly white; no dithering) and compresses hard: about
    3x smaller with no visible change on line plots, right for frames stored in a page.
    ``small=False`` writes full colour with fast compression, right for a live redraw.
    """
    from PIL import Image

    image = Image.fromarray(rgb)
    buf = io.BytesIO()
    if small:
        image = image.quantize(colors=256, method=Image.Quantize.MAXCOVERAGE, dither=Image.Dither.NONE)
        image.save(buf, format="png", compress_level=9)
    else:
        image.save(buf, format="png", compress_level=1)
    return buf.getvalue()


def render_png(fig, *, small: bool = True) -> bytes:
    """Render ``fig`` with Agg to PNG bytes that are identical from run to run (see :func:`encode_png`)."""
    return encode_png(render_rgb(fig), small=small)


# --------------------------------------------------------------------------------------
# Layered frames: one shared background, one transparent overlay per frame
# --------------------------------------------------------------------------------------
def _packed(rgb: np.ndarray) -> np.ndarray:
    return (rgb[..., 0].astype(np.uint32) << 16) | (rgb[..., 1].astype(np.uint32) << 8) | rgb[..., 2]


def _overlay_png(rgb: np.ndarray, mask: np.ndarray) -> bytes:
    """A palette PNG that shows ``rgb`` where ``mask`` is set and is transparent elsewhere."""
    from PIL import Image

    index = np.full(mask.shape, 255, dtype=np.uint8)  # 255: the transparent entry
    palette = [255, 255, 255] * 256
    if mask.any():
        pixels = Image.fromarray(np.ascontiguousarray(rgb[mask]).reshape(-1, 1, 3))
        quantized = pixels.quantize(colors=255, method=Image.Quantize.MAXCOVERAGE, dither=Image.Dither.NONE)
        index[mask] = np.asarray(quantized).reshape(-1)
        used = quantized.getpalette()[: 3 * 255]
        palette[: len(used)] = used
    image = Image.fromarray(index, mode="P")
    image.putpalette(palette)
    buf = io.BytesIO()
    image.save(buf, format="png", compress_level=9, transparency=255)
    return buf.getvalue()


def layered_frames(frames: Sequence[np.ndarray]) -> tuple[bytes, list[bytes]]:
    """Split same-size RGB frames into a shared background and one overlay per frame.

    The background takes, pixel by pixel, the colour most frames have there (the median of
    the frames' packed colours, which is that colour whenever more than half agree); each
    overlay holds the pixels where its frame differs from the background and is transparent
    elsewhere. Drawn over the background, an overlay gives its frame back (both reduced to
    256-colour palettes, as :func:`encode_png` does). Frames of the same figure with a moving
    curve differ in few pixels, so the overlays are a fraction of the size of whole frames.

    Returns ``(background_png, overlay_pngs)``.
    """
    if not frames:
        raise ValueError("layered_frames needs at least one frame")
    shape = frames[0].shape
    if any(f.shape != shape for f in frames):
        raise ValueError("every frame must have the same size")
    packed = np.stack([_packed(f) for f in frames])
    # the median along the frames, in slices of rows to bound memory
    base = np.empty(shape[:2], dtype=np.uint32)
    rows = max(1, 4_000_000 // max(1, len(frames) * shape[1]))
    for r in range(0, shape[0], rows):
        base[r:r + rows] = np.sort(packed[:, r:r + rows], axis=0)[len(frames) // 2]
    base_rgb = np.stack([(base >> 16) & 255, (base >> 8) & 255, base & 255], axis=-1).astype(np.uint8)
    overlays = [_overlay_png(f, p != base) for f, p in zip(frames, packed)]
    return encode_png(base_rgb, small=True), overlays


def png_size(png: bytes) -> tuple[int, int]:
    """(width, height) in pixels, read from a PNG header."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def stable_id(*parts: str | bytes) -> str:
    """A 16-character hex id derived from the content (never from time, memory or chance)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else part.encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()[:16]


def _json_for_script(obj) -> str:
    """JSON that can sit inside a <script> element (no '</' or '<!--' can appear)."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=True).replace("<", "\\u003c")


def _attr(value) -> str:
    return html.escape(str(value), quote=True)


def _background_style(background: bytes | None) -> str:
    """The style attribute that puts a PNG under an <img> (its overlays), scaled with it."""
    if background is None:
        return ""
    data = base64.b64encode(background).decode("ascii")
    return (f' style="background:#fff url(data:image/png;base64,{data}) 0 0/100% 100% no-repeat"')


# --------------------------------------------------------------------------------------
# Explorer HTML
# --------------------------------------------------------------------------------------
_EXPLORER_CSS = """<style>
.lru-explorer{margin:0.5em 0 1em 0;max-width:100%;}
.lru-explorer .lru-title{font-weight:600;margin-bottom:0.3em;}
.lru-explorer .lru-controls{display:flex;flex-wrap:wrap;gap:0.3em 1.6em;align-items:center;
  margin-bottom:0.4em;}
.lru-explorer .lru-control{display:flex;align-items:center;gap:0.5em;}
.lru-explorer .lru-control[hidden]{display:none;}
.lru-explorer .lru-slider{width:14em;}
.lru-explorer .lru-value{font-family:monospace;min-width:5.5em;}
.lru-explorer img.lru-frame{display:block;max-width:100%;height:auto;}
</style>"""

# Plain JavaScript (ES5, no library): find the container, read the frame table, and on every
# input/change event rebuild the key of the visible controls and swap the image.
_EXPLORER_JS = """<script>
(function () {
  var id = "%(id)s";
  var root = document.currentScript ? document.currentScript.parentNode : null;
  if (!root || root.getAttribute("data-lru-explorer") !== id) {
    var all = document.querySelectorAll('div.lru-explorer[data-lru-explorer="' + id + '"]');
    for (var i = 0; i < all.length && !root; i++) {
      if (!all[i].getAttribute("data-lru-ready")) { root = all[i]; }
    }
  }
  if (!root || root.getAttribute("data-lru-ready")) { return; }
  root.setAttribute("data-lru-ready", "1");
  var data = JSON.parse(root.querySelector("script.lru-data").textContent);
  var img = root.querySelector("img.lru-frame");
  var controls = Array.prototype.slice.call(root.querySelectorAll("div.lru-control"));
  var byPath = {};
  controls.forEach(function (c) { byPath[c.getAttribute("data-lru-path")] = c; });
  function field(c) { return c.querySelector("input.lru-slider, select.lru-select"); }
  function active(c) {
    var parent = c.getAttribute("data-lru-parent");
    if (parent === null) { return true; }
    var p = byPath[parent];
    return active(p) && field(p).value === c.getAttribute("data-lru-option");
  }
  function update() {
    var parts = [];
    controls.forEach(function (c) {
      var on = active(c);
      c.hidden = !on;
      if (!on) { return; }
      var el = field(c);
      parts.push(c.getAttribute("data-lru-path") + "=" + el.value);
      if (el.tagName === "INPUT") {
        var label = JSON.parse(el.getAttribute("data-lru-labels"))[parseInt(el.value, 10)];
        c.querySelector("output.lru-value").textContent = label;
        el.setAttribute("aria-valuetext", label);
      }
    });
    var key = parts.join("&");
    var index = data.keys[key];
    if (index === undefined) { return; }
    if (img.getAttribute("data-lru-frame") !== String(index)) {
      img.src = "data:image/png;base64," + data.frames[index];
    }
    img.setAttribute("data-lru-key", key);
    img.setAttribute("data-lru-frame", String(index));
  }
  controls.forEach(function (c) {
    var el = field(c);
    el.addEventListener("input", update);
    el.addEventListener("change", update);
  });
  update();
})();
</script>"""


# An animation's additions. The play button shows an inline SVG icon (16x16, drawn in the
# text colour), a triangle to play and two bars to pause: no icon font, nothing to download.
_PLAY_ICON = "M4 2l10 6-10 6z"
_PAUSE_ICON = "M3 2h4v12H3zM9 2h4v12H9z"
_LOOP_LABELS = {"loop": "start again", "once": "stop", "reflect": "play backwards"}

_PLAYER_CSS = """<style>
.lru-animation .lru-controls{gap:0.3em 1em;}
.lru-animation .lru-play{display:inline-flex;align-items:center;justify-content:center;
  min-width:2.4em;min-height:1.9em;cursor:pointer;}
.lru-animation .lru-loop{display:flex;align-items:center;gap:0.5em;}
</style>"""

# Plain JavaScript (ES5, no library), run after the explorer's script: every interval, move
# the frame slider one position and send it an "input" event, which the explorer's script
# answers by showing that frame. At either end the menu decides: loop back to the first
# frame, stop (once), or turn around (reflect). The reader can drag the slider while it
# plays; the next step starts from where it was left.
_PLAYER_JS = """<script>
(function () {
  var id = "%(id)s", PLAY = "%(play)s", PAUSE = "%(pause)s";
  var root = document.currentScript ? document.currentScript.parentNode : null;
  if (!root || root.getAttribute("data-lru-explorer") !== id) {
    root = document.querySelector('div.lru-animation[data-lru-explorer="' + id + '"]:not([data-lru-player])');
  }
  if (!root || root.getAttribute("data-lru-player")) { return; }
  root.setAttribute("data-lru-player", "1");
  var button = root.querySelector("button.lru-play"), icon = button.querySelector("path");
  var slider = root.querySelector("input.lru-slider"), mode = root.querySelector("select.lru-loop-mode");
  var last = parseInt(slider.max, 10), timer = null, step = 1;
  function show(i) { slider.value = String(i); slider.dispatchEvent(new Event("input")); }
  function state(name, path) {
    button.title = name; button.setAttribute("aria-label", name); icon.setAttribute("d", path);
  }
  function stop() { clearInterval(timer); timer = null; state("Play", PLAY); }
  function tick() {
    var i = parseInt(slider.value, 10);
    if (mode.value !== "reflect") { step = 1; }
    if (i + step < 0 || i + step > last) {
      if (mode.value === "once") { stop(); return; }
      if (mode.value === "loop") { show(0); return; }
      step = -step;
    }
    show(i + step);
  }
  button.addEventListener("click", function () {
    if (timer !== null) { stop(); return; }
    if (mode.value === "once" && parseInt(slider.value, 10) === last) { show(0); }
    timer = setInterval(tick, parseInt(root.getAttribute("data-lru-interval"), 10));
    state("Pause", PAUSE);
  });
})();
</script>"""


def explorer_html(
    *,
    uid: str,
    title: str | None,
    controls: Sequence[dict],
    keys: dict[str, int],
    frames: Sequence[bytes],
    initial_key: str,
    alt: str,
    background: bytes | None = None,
    player: Mapping | None = None,
) -> str:
    """The HTML of a precomputed explorer, or of an animation (``player``).

    Parameters
    ----------
    uid : str
        The explorer's id, derived from its content (:func:`stable_id`).
    title : str or None
        A line of text above the controls.
    controls : sequence of dict
        The controls in display order, each a dict with ``path``, ``name``, ``label``,
        ``kind`` (``"log"``, ``"linear"``, ``"int"`` or ``"choice"``), ``labels`` (one
        string per position), ``index`` (the initial position), ``parent`` and ``option``
        (None for a top-level control) and ``active`` (shown initially).
    keys : dict
        Maps the key of every state (``"path=pos&path=pos..."`` over the active controls
        in display order) to an index into ``frames``.
    frames : sequence of bytes
        PNG images.
    initial_key : str
        The state shown first.
    alt : str
        The image's text alternative.
    background : bytes, optional
        A PNG under the frames, which are then overlays (see :func:`layered_frames`).
    player : mapping, optional
        Make the explorer an animation: ``{"interval_ms": int, "mode": str}``, the
        milliseconds between two frames while playing and what happens at the end (one of
        :data:`LOOP_MODES`, the reader can change it). ``controls`` must then be one
        top-level slider, the frame slider, which the play/pause button drives.

    Returns
    -------
    str
        The HTML, the same bytes for the same arguments.
    """
    if player is not None:
        _check_player(player, controls)
    width, height = png_size(background if background is not None else frames[keys[initial_key]])
    if player is None:
        out = [
            f'<div class="lru-explorer" id="lru-explorer-{uid}" data-lru-explorer="{uid}" '
            f'data-lru-frames="{len(keys)}" data-lru-images="{len(frames)}">',
            _EXPLORER_CSS,
        ]
    else:
        out = [
            f'<div class="lru-explorer lru-animation" id="lru-explorer-{uid}" data-lru-explorer="{uid}" '
            f'data-lru-frames="{len(keys)}" data-lru-images="{len(frames)}" '
            f'data-lru-interval="{player["interval_ms"]}">',
            _EXPLORER_CSS,
            _PLAYER_CSS,
        ]
    if title:
        out.append(f'<div class="lru-title">{html.escape(title)}</div>')
    out.append('<div class="lru-controls">')
    if player is not None:
        out.append(
            '<button type="button" class="lru-play" title="Play" aria-label="Play">'
            '<svg viewBox="0 0 16 16" width="1em" height="1em" aria-hidden="true" focusable="false">'
            f'<path fill="currentColor" d="{_PLAY_ICON}"/></svg></button>'
        )
    for n, c in enumerate(controls):
        field_id = f"lru-{uid}-c{n}"
        attrs = (
            f'class="lru-control" data-lru-control="{_attr(c["name"])}" '
            f'data-lru-path="{_attr(c["path"])}" data-lru-kind="{c["kind"]}"'
        )
        if c["parent"] is not None:
            attrs += f' data-lru-parent="{_attr(c["parent"])}" data-lru-option="{c["option"]}"'
        if not c["active"]:
            attrs += " hidden"
        out.append(f"<div {attrs}>")
        out.append(f'<label for="{field_id}">{html.escape(c["label"])}</label>')
        labels = c["labels"]
        if c["kind"] == "choice":
            out.append(f'<select class="lru-select" id="{field_id}">')
            for i, text in enumerate(labels):
                selected = " selected" if i == c["index"] else ""
                out.append(f'<option value="{i}"{selected}>{html.escape(text)}</option>')
            out.append("</select>")
        else:
            current = labels[c["index"]]
            out.append(
                f'<input type="range" class="lru-slider" id="{field_id}" min="0" '
                f'max="{len(labels) - 1}" step="1" value="{c["index"]}" '
                f'aria-valuetext="{_attr(current)}" '
                f"data-lru-labels='{_attr(_json_for_script(list(labels)))}'>"
            )
            out.append(f'<output class="lru-value" for="{field_id}">{html.escape(current)}</output>')
        out.append("</div>")
    if player is not None:
        loop_id = f"lru-{uid}-loop"
        out.append('<div class="lru-loop">')
        out.append(f'<label for="{loop_id}">at the end</label>')
        out.append(f'<select class="lru-loop-mode" id="{loop_id}">')
        for mode in LOOP_MODES:
            selected = " selected" if mode == player["mode"] else ""
            out.append(f'<option value="{mode}"{selected}>{_LOOP_LABELS[mode]}</option>')
        out.append("</select>")
        out.append("</div>")
    out.append("</div>")
    initial = keys[initial_key]
    encoded = [base64.b64encode(f).decode("ascii") for f in frames]
    out.append(
        f'<img class="lru-frame" src="data:image/png;base64,{encoded[initial]}" '
        f'width="{width}" height="{height}" alt="{_attr(alt)}"{_background_style(background)} '
        f'data-lru-key="{_attr(initial_key)}" data-lru-frame="{initial}">'
    )
    payload = _json_for_script({"keys": keys, "frames": encoded})
    out.append(f'<script type="application/json" class="lru-data">{payload}</script>')
    out.append(_EXPLORER_JS % {"id": uid})
    if player is not None:
        out.append(_PLAYER_JS % {"id": uid, "play": _PLAY_ICON, "pause": _PAUSE_ICON})
    out.append("</div>")
    return "\n".join(out)


def _check_player(player: Mapping, controls: Sequence[dict]) -> None:
    """Raise if ``player`` is malformed or ``controls`` is not one frame slider."""
    if not isinstance(player, Mapping) or set(player) != {"interval_ms", "mode"}:
        raise ValueError(f'player must be a mapping with the keys "interval_ms" and "mode", '
                         f"got player={player!r}")
    interval = player["interval_ms"]
    if isinstance(interval, bool) or not isinstance(interval, int) or interval < 1:
        raise ValueError(f"player['interval_ms'] must be an integer >= 1, got {interval!r}")
    if player["mode"] not in LOOP_MODES:
        raise ValueError(f"player['mode'] must be one of {LOOP_MODES}, got {player['mode']!r}")
    if len(controls) != 1 or controls[0]["kind"] == "choice" or controls[0]["parent"] is not None:
        raise ValueError(f"an animation (player) needs exactly one top-level slider in controls, got "
                         f"{[c['name'] for c in controls]}")


# --------------------------------------------------------------------------------------
# The result: HTML for Jupyter, counts for the text form
# --------------------------------------------------------------------------------------
class StaticHTML:
    """A figure precomputed for a static page: self-contained HTML and a few counts.

    What explorers (``lrutils.explorer.StaticExplorer``) and animations
    (``lrutils.animation.AnimationHTML``) return. Displays as HTML in Jupyter
    (``_repr_html_``) and as a one-line summary in text, ``<NAME: WHAT, N frames>``.

    Attributes
    ----------
    html : str
        The HTML block (``div.lru-explorer``, see :func:`explorer_html`).
    uid : str
        The id of the block (``data-lru-explorer``), derived from its content.
    name : str
        What made it (``"lr_explorer"``, ``"race"``...), the start of the text form.
    what : str
        What it shows (``"2 controls"``, ``"3 optimizers"``), the middle of the text form.
    num_frames : int
        Number of states (control positions or animation frames), each with its frame.
    image_bytes : list of int
        Size of each stored PNG overlay (drawn over one shared background).
    num_images : int
        Distinct pictures stored (states that draw the same picture may share one).
    frame_size : (int, int)
        Width and height of the frames in pixels.
    nbytes : int
        Size of :attr:`html` in bytes (UTF-8).
    """

    def __init__(self, *, html: str, uid: str, name: str, what: str, num_frames: int,
                 image_bytes: list[int], frame_size: tuple[int, int]):
        self.html = html
        self.uid = uid
        self.name = name
        self.what = what
        self.num_frames = num_frames
        self.image_bytes = image_bytes
        self.num_images = len(image_bytes)
        self.frame_size = frame_size
        self.nbytes = len(html.encode("utf-8"))

    def check_size(self, max_bytes: int, *, what: str, pictures: str, fewer: str) -> None:
        """Raise ``ValueError`` if :attr:`html` is larger than ``max_bytes``.

        The message says how large it is and how to make it smaller: ``the {what}'s HTML is
        1.60 MB ({pictures} of 806x326 px), above max_bytes=...; use fewer {fewer}, ...``.
        """
        if self.nbytes > max_bytes:
            width, height = self.frame_size
            raise ValueError(
                f"the {what}'s HTML is {self.nbytes / 1e6:.2f} MB ({pictures} of {width}x{height} px), "
                f"above max_bytes={max_bytes}; use fewer {fewer}, a smaller figsize or dpi, "
                "or raise max_bytes"
            )

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        # Only counts: the text output stays the same if the pixels change with a new matplotlib.
        frames = f"{self.num_frames} frame{'s' if self.num_frames != 1 else ''}"
        return f"<{self.name}: {self.what}, {frames}>"
