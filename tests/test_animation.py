"""Tests of lrutils.animation: races and the player they are shown in.

An animation is a precomputed explorer with one frame slider, a play/pause button and a menu
for the end of the animation. Its HTML is checked by parsing it (frame count, controls,
self-containment, reproducibility across processes); the player's script is checked in
headless Chromium on a page of its own (marked `site`, like the other browser tests: it needs
Chromium, not the built book).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import numpy as np
import pytest
from test_widgets import frame_table, parse, picture, without_base64

from lrutils import _static_html
from lrutils.animation import AnimationHTML, race, saddle_escape
from lrutils.controls import Slider
from lrutils.explorer import StaticExplorer, explore
from lrutils.optimizers import adam, sgd

OPTIMIZERS = {"gd": sgd(0.1), "adam": adam(0.1)}
SMALL = dict(num_steps=20, frames=5, figsize=(4.0, 2.0), dpi=40)  # 160 x 80 pixel frames


def small_race(**kwargs) -> AnimationHTML:
    return race("quadratic", OPTIMIZERS, **{**SMALL, **kwargs})


@pytest.fixture(scope="module")
def two_races():
    return small_race(), small_race()


# --------------------------------------------------------------------------------------
# The HTML
# --------------------------------------------------------------------------------------
def test_race_has_one_frame_slider_and_a_play_button(two_races):
    anim, _ = two_races
    doc = parse(anim.html)
    (root,) = doc.find("div", "lru-explorer")
    assert "lru-animation" in root["class"].split()
    assert root["data-lru-explorer"] == anim.uid and root["data-lru-frames"] == "5"
    assert root["data-lru-interval"] == "100"  # fps=10
    (slider,) = doc.find("input", "lru-slider")
    assert (slider["min"], slider["max"], slider["value"]) == ("0", "4", "0")
    assert slider["data-lru-labels"] == '["0","5","10","15","20"]'  # the step of each frame
    (button,) = doc.find("button", "lru-play")
    assert button["type"] == "button" and button["title"] == button["aria-label"] == "Play"
    assert not doc.find("select", "lru-select")  # the loop menu is no control of the explorer
    (menu,) = doc.find("select", "lru-loop-mode")
    options = [a for t, a in doc.tags if t == "option"]
    assert [o["value"] for o in options] == ["loop", "once", "reflect"]
    assert [o["value"] for o in options if "selected" in o] == ["loop"]
    table = frame_table(anim.html)
    assert table["keys"] == {f"frame={i}": i for i in range(5)} and len(table["frames"]) == 5
    assert anim.num_frames == anim.num_images == len(anim.image_bytes) == 5
    assert repr(anim) == "<race: 2 optimizers, 5 frames>"
    assert anim.frame_size == (160, 80)
    (img,) = doc.find("img", "lru-frame")
    assert img["data-lru-frame"] == "0" and "gd, adam" in img["alt"]
    # what the reader sees first is frame 0 drawn over the shared background
    assert picture(anim.html, table["frames"][0]).size == anim.frame_size


def test_race_html_is_self_contained(two_races):
    anim, _ = two_races
    html = anim.html
    text = without_base64(html)
    assert "http" not in text and "<link" not in html and "@import" not in text
    assert all(url.startswith("data:image/png;base64,") for url in re.findall(r"url\(([^)]*)\)", html))
    doc = parse(html)
    assert all("src" not in attrs for attrs, _ in doc.scripts)  # inline scripts only
    assert all(a["src"].startswith("data:image/png;base64,") for t, a in doc.tags if "src" in a)
    assert not any("href" in a for _, a in doc.tags)
    assert not re.search(r'class="[^"]*\bfa\b', html) and "fa-" not in text  # no icon font
    assert not re.search(r"[0-9a-f]{32}", html)  # no uuid4
    assert anim.nbytes == len(html.encode())


def test_race_is_the_same_in_a_fresh_process(two_races):
    first, second = two_races
    assert first.html == second.html
    code = (
        "import os, sys\n"
        "sys.path.insert(0, os.path.dirname(sys.argv[1]))\n"
        "import test_animation as t\n"
        "sys.stdout.write(t.small_race().html)\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "321"}
    out = subprocess.run([sys.executable, "-c", code, __file__], capture_output=True, text=True,
                         check=True, env=env)
    assert out.stdout == first.html


def test_race_options_reach_the_player():
    anim = small_race(frames=3, fps=4, default_mode="reflect", show_loss=False)
    doc = parse(anim.html)
    (root,) = doc.find("div", "lru-animation")
    assert root["data-lru-interval"] == "250" and root["data-lru-frames"] == "3"
    assert [a["value"] for t, a in doc.tags if t == "option" and "selected" in a] == ["reflect"]
    assert parse(anim.html).find("input", "lru-slider")[0]["data-lru-labels"] == '["0","10","20"]'
    assert anim.uid != small_race(frames=3, fps=4, show_loss=False).uid  # the mode is part of the id


def test_explorers_and_animations_share_one_result_type(two_races):
    anim, _ = two_races
    explorer = explore(lambda fig, a: fig.subplots(), {"a": Slider(0, 1, num=2)}, mode="static",
                       figsize=(2.0, 1.0), dpi=40)
    assert isinstance(explorer, StaticExplorer) and isinstance(explorer, _static_html.StaticHTML)
    assert isinstance(anim, _static_html.StaticHTML) and not isinstance(anim, StaticExplorer)
    for result in (anim, explorer):
        assert result._repr_html_() == result.html
        assert result.uid == parse(result.html).find("div", "lru-explorer")[0]["data-lru-explorer"]
    assert "lru-animation" not in explorer.html and "lru-play" not in explorer.html


def test_saddle_escape_and_bad_input():
    anim = saddle_escape(num_steps=10, frames=3, figsize=(4.0, 2.0), dpi=40)
    assert repr(anim) == "<saddle_escape: 3 optimizers, 3 frames>"
    with pytest.raises(ValueError, match="saddle.*Functions with saddles: .*saddle"):
        saddle_escape("quadratic", frames=3)
    with pytest.raises(ValueError, match="dim=1"):
        race("parabola", {"gd": sgd(0.1)}, frames=3)
    with pytest.raises(ValueError, match="'loop', 'once' or 'reflect'.*default_mode='bounce'"):
        race("quadratic", {"gd": sgd(0.1)}, frames=3, default_mode="bounce")
    with pytest.raises(ValueError, match="adamx"):
        race("quadratic", {"x": "adamx"}, frames=3)
    with pytest.raises(ValueError, match="frames=301"):
        race("quadratic", {"gd": sgd(0.1)}, frames=301)
    with pytest.raises(ValueError, match="fps must be > 0, got fps=0"):
        race("quadratic", {"gd": sgd(0.1)}, frames=3, fps=0)
    with pytest.raises(TypeError, match="frames must be an integer, got frames=2.5"):
        race("quadratic", {"gd": sgd(0.1)}, frames=2.5)
    with pytest.raises(TypeError, match="objective must be a name .*, got objective=3"):
        race(3, {"gd": sgd(0.1)}, frames=3)
    with pytest.raises(TypeError, match="default_mode must be"):
        race("quadratic", {"gd": sgd(0.1)}, frames=3, default_mode=None)
    with pytest.raises(ValueError, match="above max_bytes=1000"):
        race("quadratic", {"gd": sgd(0.1)}, **{**SMALL, "frames": 3}, max_bytes=1000)


def test_no_private_name_of_another_module():
    """The figure helpers the animations share with the explorers are public (lrutils.plotting);
    only the package's private modules (_static_html, _checks, _objectives) are imported from."""
    import ast
    import inspect

    import lrutils.animation

    tree = ast.parse(inspect.getsource(lrutils.animation))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("lrutils"):
            assert not [a.name for a in node.names if a.name.startswith("_") and a.name != "_static_html"], \
                node.module


def test_player_arguments_are_checked():
    slider = dict(path="frame", name="frame", label="step", kind="int", labels=["0", "1"], index=0,
                  parent=None, option=None, active=True)
    png = _static_html.encode_png(np.full((2, 2, 3), 255, dtype=np.uint8))
    args = dict(uid="0" * 16, title=None, keys={"frame=0": 0, "frame=1": 1}, frames=[png, png],
                initial_key="frame=0", alt="x")
    html = _static_html.explorer_html(controls=[slider], player={"interval_ms": 50, "mode": "once"}, **args)
    assert 'data-lru-interval="50"' in html
    with pytest.raises(ValueError, match="interval_ms"):
        _static_html.explorer_html(controls=[slider], player={"interval_ms": 0, "mode": "once"}, **args)
    with pytest.raises(ValueError, match=r"player\['mode'\].*'stop'"):
        _static_html.explorer_html(controls=[slider], player={"interval_ms": 50, "mode": "stop"}, **args)
    with pytest.raises(ValueError, match="one top-level slider"):
        _static_html.explorer_html(controls=[slider, slider], player={"interval_ms": 50, "mode": "loop"},
                                   **args)


# --------------------------------------------------------------------------------------
# The player in a browser
# --------------------------------------------------------------------------------------
# Record every frame the <img> shows (its data-lru-frame), in order, without repeats.
_RECORD = """(img) => {
    window.seen = [img.getAttribute('data-lru-frame')];
    new MutationObserver(() => {
        const v = img.getAttribute('data-lru-frame');
        if (v !== window.seen[window.seen.length - 1]) { window.seen.push(v); }
    }).observe(img, {attributes: true, attributeFilter: ['data-lru-frame']});
}"""


@pytest.fixture(scope="module")
def fast_race():
    return small_race(frames=4, fps=50)  # 20 ms per frame


def _open(chromium, anim, mode=None):
    tab = chromium.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda err: errors.append(str(err)))
    tab.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    tab.on("request", lambda r: None if r.url.startswith(("data:", "about:")) else errors.append(r.url))
    tab.set_content(f"<!DOCTYPE html><html><body>{anim.html}</body></html>")
    if mode is not None:
        tab.select_option("select.lru-loop-mode", mode)
    tab.locator("img.lru-frame").evaluate(_RECORD)
    return tab, errors


def _play_until(tab, count):
    tab.click("button.lru-play")
    tab.wait_for_function(f"window.seen.length >= {count}", timeout=10000)
    return tab.evaluate("window.seen").copy()


@pytest.mark.site
def test_player_loops_pauses_and_scrubs(chromium, fast_race):
    tab, errors = _open(chromium, fast_race)
    button = tab.locator("button.lru-play")
    seen = _play_until(tab, 9)
    assert button.get_attribute("title") == button.get_attribute("aria-label") == "Pause"
    button.click()
    assert button.get_attribute("title") == "Play"
    assert seen[:9] == ["0", "1", "2", "3", "0", "1", "2", "3", "0"]
    paused = tab.evaluate("window.seen.length")
    tab.wait_for_timeout(200)
    assert tab.evaluate("window.seen.length") == paused  # pausing stops the frames
    # the slider and the value next to it follow the frame shown
    frame = tab.locator("img.lru-frame").get_attribute("data-lru-frame")
    assert tab.locator("input.lru-slider").input_value() == frame
    assert tab.locator("output.lru-value").inner_text() == ["0", "7", "13", "20"][int(frame)]
    # scrubbing with the slider shows that frame
    tab.locator("input.lru-slider").fill("2")
    assert tab.locator("img.lru-frame").get_attribute("data-lru-frame") == "2"
    assert not errors, errors
    tab.close()


@pytest.mark.site
def test_player_once_and_reflect(chromium, fast_race):
    tab, errors = _open(chromium, fast_race, mode="reflect")
    seen = _play_until(tab, 9)
    tab.click("button.lru-play")
    assert seen[:9] == ["0", "1", "2", "3", "2", "1", "0", "1", "2"]
    tab.close()

    tab, more = _open(chromium, fast_race, mode="once")
    tab.locator("input.lru-slider").fill("3")  # at the end, Play starts again from the first frame
    tab.click("button.lru-play")
    tab.wait_for_function("document.querySelector('button.lru-play').title === 'Play'", timeout=10000)
    assert tab.evaluate("window.seen") == ["0", "3", "0", "1", "2", "3"]
    assert not errors + more, errors + more
    tab.close()
