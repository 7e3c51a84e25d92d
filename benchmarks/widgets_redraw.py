"""Time a live explorer's redraw and measure the static explorers and animations.

    .venv/bin/python benchmarks/widgets_redraw.py          # everything (about a minute)
    .venv/bin/python benchmarks/widgets_redraw.py --live   # only the live redraw times

Live: a slider move recomputes a 500-step path on Rosenbrock and redraws the figure; the
budget is 200 ms. Wall time depends on what else the machine runs; CPU time (of this
process) does much less. Static: the default explorers and animations, with their number of
frames, frame size and HTML size (budget: a page under 5 MB, an animation under 1.5 MB).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def live_redraw(repeats: int = 15) -> None:
    from lrutils.widgets import lr_explorer, optimizer_explorer

    gd = lr_explorer("rosenbrock", num_steps=500, mode="live")
    opt = optimizer_explorer("rosenbrock", num_steps=500, selected="adam", mode="live")
    cases = [
        ("lr_explorer('rosenbrock'), gradient descent", gd, "learning_rate"),
        ("optimizer_explorer('rosenbrock'), adam", opt, "optimizer/3/learning_rate"),
    ]
    for label, live, path in cases:
        slider = live.controls[path]
        lo, hi = 10**slider.min, 10**slider.max
        times, cpu = [], []
        for value in np.geomspace(lo, hi, repeats):
            start = time.process_time()
            slider.value = float(value)  # the observer recomputes and redraws synchronously
            cpu.append((time.process_time() - start) * 1e3)
            times.append(live.last_redraw_seconds * 1e3)
        print(f"live  {label}, 500 steps: wall median {statistics.median(times):.0f} ms "
              f"(max {max(times):.0f}), CPU median {statistics.median(cpu):.0f} ms, "
              f"over {repeats} slider moves (budget 200 ms)")


def static_sizes() -> None:
    from lrutils.animation import race, saddle_escape
    from lrutils.optimizers import adam, rmsprop, sgd
    from lrutils.widgets import lr_explorer, optimizer_explorer, schedule_explorer

    builds = [
        ("lr_explorer('quadratic')", lambda: lr_explorer("quadratic", mode="static")),
        ("lr_explorer('double_well')", lambda: lr_explorer("double_well", mode="static")),
        ("lr_explorer('rosenbrock')", lambda: lr_explorer("rosenbrock", mode="static")),
        ("optimizer_explorer()", lambda: optimizer_explorer(mode="static")),
        ("schedule_explorer()", lambda: schedule_explorer(mode="static")),
        ("race('rosenbrock', 4 optimizers)", lambda: race(
            "rosenbrock", {"sgd": sgd(1e-3), "momentum": sgd(1e-3, momentum=0.9),
                           "rmsprop": rmsprop(0.01), "adam": adam(0.05)}, num_steps=300)),
        ("saddle_escape()", lambda: saddle_escape()),
    ]
    for label, build in builds:
        start = time.perf_counter()
        out = build()
        seconds = time.perf_counter() - start
        w, h = out.frame_size
        print(f"static {label}: {out.num_frames} frames, {len(out.image_bytes)} images of {w}x{h} px, "
              f"mean {np.mean(out.image_bytes) / 1e3:.1f} kB, HTML {out.nbytes / 1e6:.2f} MB, "
              f"built in {seconds:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--live", action="store_true", help="only time the live redraw")
    args = parser.parse_args()
    live_redraw()
    if not args.live:
        static_sizes()


if __name__ == "__main__":
    main()
