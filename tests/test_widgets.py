"""Tests of the explorers: lrutils.controls, lrutils.explorer (static and live) and the ready-made
explorers of lrutils.widgets; lrutils.animation is in test_animation.py, the figure helpers of
lrutils.plotting in test_plotting.py.

The static HTML is checked by parsing it (the browser test of the built site is separate):
one range input per numeric control with the right number of positions, one select per
choice, one frame per state, the frame shown for each state, reproducibility, size and
self-containment. Live explorers are checked through their ipywidgets (no display needed).
"""

from __future__ import annotations

import base64
import io
import itertools
import json
import math
import os
import re
import subprocess
import sys
from html.parser import HTMLParser

import numpy as np
import pytest
from PIL import Image

import lrutils
from lrutils import controls as lr_controls
from lrutils import explorer as lr_explorer_module
from lrutils import mode as lr_mode
from lrutils import schedules as lr_schedules
from lrutils import widgets as lr_widgets
from lrutils.controls import Choice, Control, IntSlider, LogSlider, Slider
from lrutils.descent import gradient_descent
from lrutils.explorer import LiveExplorer, StaticExplorer, explore
from lrutils.functions import get_function
from lrutils.plotting import new_figure
from lrutils.widgets import _describe, lr_explorer, optimizer_explorer, schedule_explorer

SMALL = dict(figsize=(3.0, 2.0), dpi=50)  # 150 x 100 pixel frames: fast tests


# --------------------------------------------------------------------------------------
# Helpers: parse the static HTML
# --------------------------------------------------------------------------------------
class _Elements(HTMLParser):
    """Collect every start tag with its attributes, and the text of <script> elements."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[tuple[dict, str]] = []
        self._in_script: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "script":
            self._in_script = attrs
            self.scripts.append((attrs, ""))

    def handle_data(self, data):
        if self._in_script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None

    def find(self, tag, cls=None, **attrs):
        out = []
        for t, a in self.tags:
            if t != tag:
                continue
            if cls is not None and cls not in (a.get("class") or "").split():
                continue
            if all(a.get(k.replace("_", "-")) == v for k, v in attrs.items()):
                out.append(a)
        return out


def parse(html: str) -> _Elements:
    parser = _Elements()
    parser.feed(html)
    return parser


def frame_table(html: str) -> dict:
    doc = parse(html)
    (payload,) = [text for attrs, text in doc.scripts if attrs.get("class") == "lru-data"]
    return json.loads(payload)


def without_base64(html: str) -> str:
    """The HTML without its embedded images (long base64 runs, possibly with line breaks)."""
    return re.sub(r"[A-Za-z0-9+/=\\\n]{200,}", "", html)


def decode(b64: str) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(b64))).convert("RGB")


_BACKGROUND = re.compile(r"url\(data:image/png;base64,([A-Za-z0-9+/=]+)\)")


def picture(html: str, frame_b64: str) -> Image.Image:
    """What the reader sees: a frame's overlay drawn over the background of the page's <img>."""
    (background,) = _BACKGROUND.findall(html)
    under = Image.open(io.BytesIO(base64.b64decode(background))).convert("RGBA")
    over = Image.open(io.BytesIO(base64.b64decode(frame_b64))).convert("RGBA")
    return Image.alpha_composite(under, over).convert("RGB")


def colour_draw(calls: list):
    """A draw function that paints the figure a colour computed from its arguments."""

    def draw(fig, a, b):
        calls.append((a, b))
        red = int(round(255 * math.log10(a / 0.01) / 2))  # a in {0.01, 0.1, 1} -> 0, 128, 255
        green = 255 if b == "y" else 0
        fig.patch.set_facecolor((red / 255, green / 255, 0.0))

    return draw


CONTROLS = {"a": LogSlider(0.01, 1.0, num=3), "b": Choice(["x", "y"])}


# --------------------------------------------------------------------------------------
# The modules
# --------------------------------------------------------------------------------------
HOMES = {
    "controls": ["Control", "LogSlider", "Slider", "IntSlider", "Choice"],
    "explorer": ["explore", "StaticExplorer", "LiveExplorer"],
    "widgets": ["lr_explorer", "optimizer_explorer", "schedule_explorer"],
}


@pytest.mark.parametrize("module_name", sorted(HOMES))
def test_each_name_has_one_home_and_widgets_still_offers_it(module_name):
    """The controls, the engine and the ready-made explorers each live in their own module
    (``__module__``, ``__all__``); ``from lrutils.widgets import Choice, explore`` keeps working."""
    module = {"controls": lr_controls, "explorer": lr_explorer_module, "widgets": lr_widgets}[module_name]
    assert sorted(module.__all__) == sorted(HOMES[module_name])
    for name in HOMES[module_name]:
        value = getattr(module, name)
        assert value.__module__ == f"lrutils.{module_name}", name
        assert getattr(lr_widgets, name) is value, name
        if name != "Control":  # stays under its module, like the other ambiguous names
            assert getattr(lrutils, name) is value, name


# --------------------------------------------------------------------------------------
# Control specifications
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "spec, grid",
    [
        (LogSlider(1e-3, 1.0, num=4), (1e-3, 1e-2, 1e-1, 1.0)),
        (Slider(0.0, 0.9, step=0.3), (0.0, 0.3, 0.6, 0.9)),
        (Slider(-1.0, 1.0, num=5), (-1.0, -0.5, 0.0, 0.5, 1.0)),
        (IntSlider(100, 500, step=100), (100, 200, 300, 400, 500)),
        (Choice(["sgd", "adam"]), ("sgd", "adam")),
    ],
)
def test_control_grids(spec, grid):
    if isinstance(spec, Choice):
        assert spec.grid() == grid
    else:
        assert spec.grid() == pytest.approx(grid, rel=1e-12)
    assert len(spec.labels()) == len(grid)


def test_log_slider_starts_at_nearest_grid_point_in_log_space():
    # 0.04 is nearer to 0.01 on a linear axis, but nearer to 0.1 on a log axis.
    assert LogSlider(1e-3, 1.0, num=4, value=0.04).initial_index() == 2
    assert Slider(0.0, 1.0, num=3, value=0.3).initial_index() == 1
    assert LogSlider(1e-3, 1.0, num=5).initial_index() == 2  # no value: the middle


@pytest.mark.parametrize(
    "make, error, words",
    [
        (lambda: LogSlider(0.0, 1.0), ValueError, ["0 < min < max"]),
        (lambda: LogSlider(1.0, 0.1), ValueError, ["0 < min < max"]),
        (lambda: LogSlider(1e-3, 1.0, num=1), ValueError, ["num", ">= 2"]),
        (lambda: LogSlider(1e-3, 1.0, value=5.0, label="learning rate"), ValueError,
         ["'learning rate'", "value=5.0", "[0.001, 1]"]),
        (lambda: LogSlider("0.1", 1.0), TypeError, ["LogSlider: min must be a real number", "min='0.1'"]),
        (lambda: LogSlider(1e-3, math.inf), ValueError, ["max must be finite"]),
        (lambda: LogSlider(1e-3, 1.0, num=2.5, label="lr"), TypeError,
         ["LogSlider 'lr': num must be an integer", "num=2.5"]),
        (lambda: Slider(0.0, 1.0, value="a", label="m"), TypeError, ["Slider 'm': value must be a real number"]),
        (lambda: Slider(0.0, 1.0, step=0), ValueError, ["step must be > 0", "step=0"]),
        (lambda: Slider(0.0, 1.0, step=True), TypeError, ["step must be a real number"]),
        (lambda: Slider(0.0, 1.0, num=3, step=0.5), ValueError, ["num or step"]),
        (lambda: Slider(0.0, 1.0, step=0.3), ValueError, ["whole number of steps"]),
        (lambda: Slider(0.0, 1.0, value=-0.1, label="momentum"), ValueError, ["'momentum'", "[0, 1]"]),
        (lambda: Slider(1.0, 1.0), ValueError, ["min < max"]),
        (lambda: IntSlider(0, 10, step=3), ValueError, ["multiple of step"]),
        (lambda: IntSlider(0, 10, step=2, value=3), ValueError, ["0, 2, ..., 10"]),
        (lambda: IntSlider(0, 10.5), TypeError, ["IntSlider: max must be an integer", "max=10.5"]),
        (lambda: IntSlider(0, 10, step=0), ValueError, ["step must be an integer >= 1", "step=0"]),
        (lambda: IntSlider(0, 10, value=True), TypeError, ["value must be an integer", "value=True"]),
        (lambda: Choice([]), ValueError, ["empty"]),
        (lambda: Choice(["a", "a"]), ValueError, ["distinct"]),
        (lambda: Choice(["a", "b"], value="c"), ValueError, ["'c'", "['a', 'b']"]),
        (lambda: Choice(["a"], controls={"b": {}}), ValueError, ["'b'", "not options"]),
        (lambda: Choice("ab"), TypeError, ["list or tuple"]),
        (lambda: Choice(["a"], controls={"a": {"x": 3}}), TypeError, ["LogSlider, Slider"]),
    ],
)
def test_control_validation(make, error, words):
    with pytest.raises(error) as info:
        make()
    for word in words:
        assert word in str(info.value)


def test_a_live_slider_at_a_grid_position_gives_the_grid_value():
    log = LogSlider(0.1, 0.3, num=3)
    assert log.from_widget(10 ** math.log10(0.3)) == 0.3  # 0.29999999999999993 from the widget
    assert log.from_widget(0.2) == 0.2 and log.from_widget(0.25) == 0.25  # between: as it is
    linear = Slider(0.0, 0.9, num=4)
    assert linear.from_widget(0.30000000000000004) == 0.3 and linear.from_widget(1e-17) == 0.0
    assert IntSlider(0, 4).from_widget(3.0) == 3


def test_every_control_is_a_control():
    controls = [LogSlider(0.1, 1.0), Slider(0, 1), IntSlider(0, 2), Choice(["a"])]
    assert all(isinstance(c, Control) for c in controls)
    assert not isinstance((0, 1), Control)
    assert {c.kind for c in controls} == {"log", "linear", "int", "choice"}


def noop(fig, **values):
    fig.subplots()


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        (dict(mode="web"), ValueError, ["'auto', 'live', 'static'"]),
        (dict(controls={"not a name": Slider(0, 1)}), ValueError, ["identifiers"]),
        (dict(controls={"a": Choice(["p"], controls={"p": {"a": Slider(0, 1)}})}), ValueError,
         ["'a'", "used twice"]),
        (dict(controls={"a": (0, 1)}), TypeError, ["LogSlider, Slider"]),
        (dict(controls={"a": Slider(0, 1, num=20), "b": Slider(0, 1, num=20)}, mode="static"),
         ValueError, ["400 combinations", "max_frames=200", "a: 20; b: 20"]),
        (dict(figsize=(0, 2)), ValueError, ["figsize must be positive"]),
        (dict(figsize="ab"), TypeError, ["figsize must be (width, height)"]),
        (dict(figsize=(1, 2, 3)), ValueError, ["figsize must be (width, height)"]),
        (dict(figsize=(1, "2")), TypeError, ["figsize must be a real number"]),
        (dict(dpi=0), ValueError, ["dpi must be > 0", "dpi=0"]),
        (dict(max_frames=2.5), TypeError, ["max_frames must be an integer", "max_frames=2.5"]),
        (dict(max_bytes=0), ValueError, ["max_bytes must be an integer >= 1"]),
        (dict(setup=3), TypeError, ["setup must be callable", "setup=3"]),
    ],
)
def test_explore_rejects_bad_arguments(kwargs, error, words):
    args = dict(controls={"a": Slider(0, 1, num=3)}, mode="static", **SMALL)
    args.update(kwargs)
    controls = args.pop("controls")
    with pytest.raises(error) as info:
        explore(noop, controls, **args)
    for word in words:
        assert word in str(info.value)


def test_explore_rejects_a_draw_that_is_not_callable():
    with pytest.raises(TypeError, match="draw must be callable, got draw=3"):
        explore(3, {"a": Slider(0, 1, num=2)}, mode="static", **SMALL)


def test_explore_rejects_a_page_over_its_byte_budget():
    with pytest.raises(ValueError, match="above max_bytes=1000"):
        explore(noop, {"a": Slider(0, 1, num=2)}, mode="static", max_bytes=1000, **SMALL)


# --------------------------------------------------------------------------------------
# Static mode
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def static_pair():
    calls: list = []
    first = explore(colour_draw(calls), CONTROLS, mode="static", **SMALL)
    second = explore(colour_draw([]), CONTROLS, mode="static", **SMALL)
    return first, second, calls


def test_static_explorer_has_a_frame_per_state_and_calls_draw_for_each(static_pair):
    explorer, _, calls = static_pair
    assert isinstance(explorer, StaticExplorer)
    expected = {(a, b) for a in (0.01, 0.1, 1.0) for b in ("x", "y")}
    assert len(calls) == 6 and {(round(a, 12), b) for a, b in calls} == expected
    table = frame_table(explorer.html)
    assert len(table["keys"]) == 6 and explorer.num_frames == 6
    assert len(table["frames"]) == explorer.num_images == 6  # six different colours
    assert repr(explorer) == "<explorer: 2 controls, 6 frames>"


def test_static_explorer_controls_markup(static_pair):
    doc = parse(static_pair[0].html)
    (root,) = doc.find("div", "lru-explorer")
    assert root["data-lru-frames"] == "6"
    assert root["id"] == "lru-explorer-" + root["data-lru-explorer"]
    (slider,) = doc.find("input", "lru-slider")
    assert (slider["type"], slider["min"], slider["max"], slider["step"]) == ("range", "0", "2", "1")
    assert json.loads(slider["data-lru-labels"]) == ["0.01", "0.1", "1"]
    assert slider["value"] == "1"  # the middle of the grid
    (select,) = doc.find("select", "lru-select")
    assert [o["value"] for o in doc.find("option")] == ["0", "1"]
    assert [c["data-lru-control"] for c in doc.find("div", "lru-control")] == ["a", "b"]
    assert len(doc.find("output", "lru-value")) == 1
    (img,) = doc.find("img", "lru-frame")
    assert img["data-lru-key"] == "a=1&b=0"
    assert (img["width"], img["height"]) == ("150", "100")


def test_static_explorer_shows_the_right_frame_for_each_state(static_pair):
    """Each key's frame has the colour that draw painted for that key's values."""
    html = static_pair[0].html
    table = frame_table(html)
    for a_pos, red in enumerate((0, 128, 255)):
        for b_pos, green in enumerate((0, 255)):
            image = picture(html, table["frames"][table["keys"][f"a={a_pos}&b={b_pos}"]])
            assert image.size == (150, 100)
            assert image.getpixel((2, 2)) == (red, green, 0)
    (img,) = parse(html).find("img", "lru-frame")  # the initial <img> shows state a=1, b=0
    assert picture(html, img["src"].split(",", 1)[1]).getpixel((2, 2)) == (128, 0, 0)
    assert _BACKGROUND.search(img["style"])  # the background is the <img>'s own


def test_static_explorer_is_reproducible_and_self_contained(static_pair):
    first, second, _ = static_pair
    assert first.html == second.html
    html = first.html
    assert "http" not in without_base64(html)
    doc = parse(html)
    assert all("src" not in attrs for attrs, _ in doc.scripts)  # inline scripts only
    assert all(a["src"].startswith("data:image/png;base64,") for t, a in doc.tags if "src" in a)
    assert not any("href" in a for _, a in doc.tags)
    assert first.nbytes == len(html.encode())
    assert first.nbytes < 100_000


def test_choice_with_per_option_controls():
    calls: list = []

    def draw(fig, c, **kw):
        calls.append((c, kw))
        fig.patch.set_facecolor((kw.get("s", 0.0), kw.get("t", 0) / 4, 0.0))

    controls = {"c": Choice(["p", "q"], controls={"p": {"s": Slider(0, 1, num=3)},
                                                  "q": {"t": IntSlider(1, 4)}})}
    explorer = explore(draw, controls, mode="static", **SMALL)
    assert explorer.num_frames == 3 + 4  # per option, not 2 x 3 x 4
    assert {c for c, _ in calls} == {"p", "q"}
    assert all(set(kw) == ({"s"} if c == "p" else {"t"}) for c, kw in calls)
    doc = parse(explorer.html)
    blocks = doc.find("div", "lru-control")
    assert [b["data-lru-path"] for b in blocks] == ["c", "c/0/s", "c/1/t"]
    assert [b.get("data-lru-parent") for b in blocks] == [None, "c", "c"]
    assert [b.get("data-lru-option") for b in blocks] == [None, "0", "1"]
    assert ["hidden" in b for b in blocks] == [False, False, True]
    assert [s["max"] for s in doc.find("input", "lru-slider")] == ["2", "3"]
    table = frame_table(explorer.html)
    assert sorted(table["keys"]) == sorted(
        [f"c=0&c/0/s={i}" for i in range(3)] + [f"c=1&c/1/t={i}" for i in range(4)]
    )
    image = picture(explorer.html, table["frames"][table["keys"]["c=1&c/1/t=3"]])  # t = 4
    assert image.getpixel((2, 2)) == (0, 255, 0)


def test_identical_frames_are_stored_once():
    explorer = explore(noop, {"a": Slider(0, 1, num=4)}, mode="static", **SMALL)
    assert explorer.num_frames == 4 and explorer.num_images == 1
    assert set(frame_table(explorer.html)["keys"].values()) == {0}


def test_auto_mode_follows_static_mode():
    try:
        lr_mode.set_static_mode(True)
        assert isinstance(explore(noop, {"a": Slider(0, 1, num=2)}, **SMALL), StaticExplorer)
        lr_mode.set_static_mode(False)
        assert isinstance(explore(noop, {"a": Slider(0, 1, num=2)}, **SMALL), LiveExplorer)
        assert isinstance(explore(noop, {"a": Slider(0, 1, num=2)}, mode="static", **SMALL), StaticExplorer)
    finally:
        lr_mode.set_static_mode(None)


def legend_pngs() -> list[bytes]:
    """A figure with a line and a legend as PNG: palette (static frames) and full colour (the
    live redraw)."""
    from lrutils._static_html import render_png

    fig = new_figure((3.0, 2.0), 50)
    ax = fig.subplots()
    ax.plot(np.sin(np.linspace(0, 6, 50)), label="sin")
    ax.legend()
    return [render_png(fig), render_png(fig, small=False)]


def test_same_html_and_png_in_a_fresh_process_and_no_eager_ipywidgets_import():
    code = (
        "import base64, json, os, sys\n"
        "import lrutils.widgets, lrutils.animation\n"
        "assert 'ipywidgets' not in sys.modules, 'ipywidgets imported eagerly'\n"
        "sys.path.insert(0, os.path.dirname(sys.argv[1]))\n"
        "import test_widgets as t\n"
        "e = t.explore(t.colour_draw([]), t.CONTROLS, mode='static', **t.SMALL)\n"
        "pngs = [base64.b64encode(png).decode() for png in t.legend_pngs()]\n"
        "sys.stdout.write(json.dumps({'html': e.html, 'pngs': pngs}))\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "123"}
    out = subprocess.run([sys.executable, "-c", code, __file__], capture_output=True, text=True,
                         check=True, env=env)
    there = json.loads(out.stdout)
    local = explore(colour_draw([]), CONTROLS, mode="static", **SMALL)
    assert there["html"] == local.html
    assert [base64.b64decode(png) for png in there["pngs"]] == legend_pngs()


# --------------------------------------------------------------------------------------
# Live mode
# --------------------------------------------------------------------------------------
def test_live_explorer_widgets_and_redraw():
    import ipywidgets

    calls: list = []
    controls = {
        "lr": LogSlider(1e-3, 1.0, num=4, value=0.01),
        "m": Slider(0.0, 0.9, step=0.3),
        "n": IntSlider(1, 5),
        "opt": Choice(["sgd", "adam"], value="adam"),
    }

    def draw(fig, **values):
        calls.append(values)
        fig.subplots().plot([0, 1], [0, values["lr"]])

    live = explore(draw, controls, mode="live", **SMALL)
    assert isinstance(live, LiveExplorer)
    w = live.controls
    assert isinstance(w["lr"], ipywidgets.FloatLogSlider)
    assert (w["lr"].base, w["lr"].min, w["lr"].max) == (10.0, pytest.approx(-3.0), pytest.approx(0.0))
    assert isinstance(w["m"], ipywidgets.FloatSlider)
    assert (w["m"].min, w["m"].max, w["m"].step) == (0.0, 0.9, 0.3)
    assert isinstance(w["n"], ipywidgets.IntSlider) and (w["n"].min, w["n"].max) == (1, 5)
    assert isinstance(w["opt"], ipywidgets.Dropdown)
    assert [label for label, _ in w["opt"].options] == ["sgd", "adam"]
    assert calls == [{"lr": pytest.approx(0.01), "m": 0.3, "n": 3, "opt": "adam"}]
    assert live.image.value[:8] == b"\x89PNG\r\n\x1a\n"
    before = live.image.value
    w["lr"].value = 0.5
    assert calls[-1]["lr"] == pytest.approx(0.5)
    assert live.image.value != before
    w["opt"].value = 0
    assert calls[-1]["opt"] == "sgd" and len(calls) == 3
    assert live.last_redraw_seconds > 0
    assert live._repr_mimebundle_()["application/vnd.jupyter.widget-view+json"]["model_id"]
    assert repr(live) == "<explorer (live): 4 controls>"


def test_live_explorer_per_option_controls_and_errors():
    calls: list = []

    def draw(fig, c, **kw):
        calls.append((c, kw))
        if kw.get("t") == 4:
            raise ValueError("t=4 is not allowed here")

    controls = {"c": Choice(["p", "q"], controls={"p": {"s": Slider(0, 1, num=3)},
                                                  "q": {"t": IntSlider(1, 4)}})}
    live = explore(draw, controls, mode="live", **SMALL)
    w = live.controls
    assert calls[-1] == ("p", {"s": 0.5})
    assert (w["c/0/s"].layout.display, w["c/1/t"].layout.display) == (None, "none")
    w["c"].value = 1
    assert calls[-1] == ("q", {"t": 2})  # IntSlider(1, 4): middle of 1, 2, 3, 4
    assert (w["c/0/s"].layout.display, w["c/1/t"].layout.display) == ("none", None)
    w["c/1/t"].value = 4  # draw raises: shown under the figure, not raised in the callback
    assert "ValueError: t=4 is not allowed here" in live.status.value
    w["c/1/t"].value = 3
    assert live.status.value == ""


def test_live_explorer_raises_when_the_first_draw_fails():
    def draw(fig, a):
        raise RuntimeError("broken draw")

    with pytest.raises(RuntimeError, match="broken draw"):
        explore(draw, {"a": Slider(0, 1)}, mode="live", **SMALL)


# --------------------------------------------------------------------------------------
# The ready-made explorers
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "learning_rate, words",
    [
        # f(w) = w^2: w <- (1 - 2 lr) w. Factor 0.5: converges; -0.5: converges oscillating;
        # -2: diverges oscillating.
        (0.25, ["converges"]),
        (0.75, ["converges", "oscillating"]),
        (1.5, ["diverges", "oscillating"]),
    ],
)
def test_describe_gradient_descent_on_a_parabola(learning_rate, words):
    f = get_function("parabola")
    text = _describe(gradient_descent(f, f.start, learning_rate, 30), f, 30)
    assert all(w in text for w in words), text
    if "converges" in words and "oscillating" not in words:
        assert "oscillating" not in text


def test_lr_explorer_default_range_brackets_two_over_L():
    # parabola(a=1): f'' = 2, so gradient descent diverges beyond 2/L = 1.
    explorer = lr_explorer("parabola", num_steps=5, mode="static", **SMALL)
    (slider,) = parse(explorer.html).find("input", "lru-slider")
    labels = json.loads(slider["data-lru-labels"])
    assert len(labels) == 19 and "1" in labels
    assert float(labels[0]) == pytest.approx(0.01) and float(labels[-1]) > 1
    # starts at the grid point nearest 1/L = 0.5 (in log space): 8 points per decade from 0.01
    grid = 0.01 * 10 ** (np.arange(19) / 8)
    expected = grid[np.argmin(np.abs(np.log(grid / 0.5)))]
    assert labels[int(slider["value"])] == f"{expected:.3g}"
    assert repr(explorer) == "<lr_explorer: 1 control, 19 frames>"


def test_lr_explorer_live_on_a_2d_function():
    live = lr_explorer("quadratic", num_steps=50, mode="live", **SMALL)
    slider = live.controls["learning_rate"]
    # quadratic(): largest curvature L = 1, range 0.01 * 2/L .. 10**0.25 * 2/L
    assert 10**slider.min == pytest.approx(0.02) and 10**slider.max == pytest.approx(2 * 10**0.25)
    before = live.image.value
    slider.value = 2.5  # beyond 2/L: diverges
    assert live.status.value == "" and live.image.value != before


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: lr_explorer("banana", mode="static"), ["'banana'", "rosenbrock", "quadratic"]),
        (lambda: lr_explorer("parabola", learning_rate=50.0, mode="static"),
         ["'learning rate'", "value=50.0"]),
        (lambda: lr_explorer("parabola", learning_rates=(0.0, 1.0), mode="static"), ["0 < min < max"]),
        (lambda: lr_explorer("parabola", learning_rates=(0.1, 1.0, 2.0), mode="static"),
         ["learning_rates must be (low, high)"]),
        (lambda: lr_explorer("parabola", num_steps=0, mode="static"), ["num_steps must be an integer >= 1"]),
        (lambda: schedule_explorer(learning_rate=0.0, mode="static"), ["learning_rate must be > 0"]),
        (lambda: optimizer_explorer(optimizers=("sgd", "adamx"), mode="static"),
         ["'adamx'", "adam", "rmsprop", "sgd"]),
        (lambda: optimizer_explorer(optimizers={"sgd": {"betas": 0.9}}, mode="static"),
         ["'sgd'", "betas", "momentum", "nesterov"]),
        (lambda: optimizer_explorer(optimizers={"sgd": {"momentum": Slider(0.0, 1.5, num=4)}},
                                    mode="static"), ["momentum"]),
        (lambda: schedule_explorer("cosine", mode="static"), ["'cosine'", "cosine_decay", "one_cycle"]),
        (lambda: schedule_explorer({"step_decay": {"drops": 0.5}}, mode="static"),
         ["drops", "steps_per_drop"]),
        (lambda: schedule_explorer(steps_per_epoch=0, mode="static"), ["steps_per_epoch", ">= 1"]),
        (lambda: schedule_explorer("join_schedules", mode="static"), ["'join_schedules'", "boundaries"]),
    ],
)
def test_explorers_reject_bad_names_and_values(call, words):
    with pytest.raises(ValueError) as info:
        call()
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: lr_explorer(3, mode="static"), ["objective must be a name", "objective=3"]),
        (lambda: lr_explorer("parabola", learning_rates="ab", mode="static"), ["learning_rates"]),
        (lambda: lr_explorer("parabola", num_steps=2.5, mode="static"), ["num_steps must be an integer"]),
        (lambda: schedule_explorer(epochs="10", mode="static"), ["epochs must be an integer", "epochs='10'"]),
    ],
)
def test_explorers_reject_arguments_of_the_wrong_type(call, words):
    with pytest.raises(TypeError) as info:
        call()
    for word in words:
        assert word in str(info.value)


def test_optimizer_explorer_static_with_custom_settings():
    explorer = optimizer_explorer(
        "quadratic",
        {"sgd": {"learning_rate": LogSlider(0.05, 0.5, num=2), "momentum": 0.0},
         "Adam": {"learning_rate": LogSlider(0.05, 0.5, num=3), "beta_1": 0.9}},
        num_steps=20, mode="static", **SMALL,
    )
    assert explorer.num_frames == 2 + 3
    doc = parse(explorer.html)
    assert [o["value"] for o in doc.find("option")] == ["0", "1"]
    assert [s["max"] for s in doc.find("input", "lru-slider")] == ["1", "2"]
    assert ["hidden" in b for b in doc.find("div", "lru-control")] == [False, False, True]


def test_optimizer_explorer_live_switches_hyper_parameters():
    live = optimizer_explorer("quadratic", num_steps=20, mode="live", **SMALL)
    assert live.values["optimizer"] == "sgd"
    assert set(live.values) == {"optimizer", "learning_rate", "momentum"}
    live.controls["optimizer"].value = ["sgd", "rmsprop", "adagrad", "adam"].index("adam")
    assert set(live.values) == {"optimizer", "learning_rate", "beta_1"}
    assert live.status.value == ""


def test_schedule_explorer_static_and_live():
    explorer = schedule_explorer(("constant", "cosine_decay"), steps_per_epoch=10, epochs=5,
                                 mode="static", **SMALL)
    # constant: no slider; cosine_decay: alpha (3 values) x warm-up of 0 or 1 epoch (2 values)
    assert explorer.num_frames == 1 + 3 * 2
    warm = [s for s in parse(explorer.html).find("input", "lru-slider")]
    assert [json.loads(s["data-lru-labels"]) for s in warm] == [["0", "0.2", "0.4"], ["0", "10"]]
    live = schedule_explorer(steps_per_epoch=10, epochs=4, mode="live", **SMALL)
    live.controls["schedule"].value = 2  # cosine_decay
    live.controls["schedule/2/warmup_steps"].value = 10
    assert live.values == {"schedule": "cosine_decay", "alpha": 0.0, "warmup_steps": 10}
    assert live.status.value == ""


def test_schedule_explorer_one_epoch():
    explorer = schedule_explorer(("cosine_decay", "step_decay"), steps_per_epoch=8, epochs=1,
                                 mode="static", **SMALL)
    assert explorer.num_frames == 3 + 4  # alpha only; drop only


# The schedules with default settings in the explorer (the composites need schedules to compose).
SCHEDULE_RECIPES = [name for name in lr_schedules.SCHEDULES
                    if lr_widgets._default_schedule_recipe(name, 10, 5, 0.1).settings]


def test_every_schedule_but_the_composites_has_default_settings():
    assert set(lr_schedules.SCHEDULES) - set(SCHEDULE_RECIPES) == {
        "linear_warmup", "one_cycle_momentum", "join_schedules", "per_epoch"}


def test_schedule_explorer_prints_the_call_that_builds_each_curve():
    """At every position of every schedule's controls, the heading above the plots is a call
    that, evaluated among the names of lrutils.schedules (what ``lu.`` gives), builds the very
    curve drawn, fixed arguments included. cosine_decay with a warm-up is the case that used to
    fail: Keras-style, its warm-up is not counted in decay_steps."""
    live = schedule_explorer(SCHEDULE_RECIPES, steps_per_epoch=10, epochs=5, mode="live", **SMALL)
    namespace = {name: getattr(lr_schedules, name) for name in lr_schedules.__all__}
    rates = live.figure.axes[0].lines[0]  # the rate per step; the epoch lines come after it
    headings = []
    for i, name in enumerate(SCHEDULE_RECIPES):
        live.controls["schedule"].value = i
        paths = [path for path in live.specs if path.startswith(f"schedule/{i}/")]
        for values in itertools.product(*(live.specs[path].grid() for path in paths)):
            for path, value in zip(paths, values):
                spec = live.specs[path]
                live.controls[path].value = spec.options.index(value) if isinstance(spec, Choice) else value
            assert live.status.value == ""
            (heading,) = [text.get_text() for text in live.figure.texts]
            assert heading.startswith(f"{name}(")
            schedule = eval(heading, dict(namespace))  # the reader's copy and paste
            np.testing.assert_array_equal(rates.get_ydata(), np.asarray(schedule(np.arange(50)), dtype=float))
            headings.append(heading)
    assert len(headings) >= 40
    assert "cosine_decay(initial_learning_rate=0.1, decay_steps=50, alpha=0.0)" in headings
    assert ("cosine_decay(initial_learning_rate=0.0, decay_steps=40, alpha=0.2, warmup_target=0.1, "
            "warmup_steps=10)") in headings
    assert "one_cycle(max_learning_rate=0.1, total_steps=50, pct_start=0.3, anneal='linear')" in headings


# --------------------------------------------------------------------------------------
# The PNG helpers shared with the animations (lrutils._static_html); the animations
# themselves are tested in test_animation.py
# --------------------------------------------------------------------------------------
def test_layered_frames_give_each_frame_back_in_fewer_bytes():
    from lrutils._static_html import encode_png, layered_frames, render_rgb

    fig = new_figure((4.0, 3.0), 60)
    ax = fig.subplots()
    x = np.linspace(0, 6, 200)
    for k in range(1, 6):  # a background of fixed curves, one moving curve, a changing title
        ax.plot(x, np.sin(k * x) / k, color="0.7")
    (moving,) = ax.plot([], [], color="C1", lw=2)
    frames = []
    for i in range(8):
        moving.set_data(x[: 25 * (i + 1)], np.cos(x[: 25 * (i + 1)]))
        ax.set_title(f"frame {i}")
        frames.append(render_rgb(fig))
    background, overlays = layered_frames(frames)
    under = Image.open(io.BytesIO(background)).convert("RGBA")
    for frame, overlay in zip(frames, overlays):
        seen = np.asarray(Image.alpha_composite(under, Image.open(io.BytesIO(overlay)).convert("RGBA")))
        error = np.abs(seen[..., :3].astype(int) - frame.astype(int))
        assert error.max() <= 24 and error.mean() < 0.5  # the 256-colour palettes, nothing else
    whole = sum(len(encode_png(f)) for f in frames)
    assert len(background) + sum(map(len, overlays)) < whole / 2
    # a frame equal to the background is a fully transparent overlay
    _, (same,) = layered_frames([frames[0]])
    assert Image.open(io.BytesIO(same)).convert("RGBA").getextrema()[3] == (0, 0)
    with pytest.raises(ValueError, match="same size"):
        layered_frames([frames[0], frames[0][:-1]])
    with pytest.raises(ValueError, match="at least one"):
        layered_frames([])
