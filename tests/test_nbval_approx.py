"""The nbval-approx plugin (tools/nbval_approx.py): numbers within a tolerance, all other text exact."""

from __future__ import annotations

import math

import nbformat
import pytest
from nbval_approx import ApproxConfigError, Tolerance, compare_outputs, compare_text, tolerance_for

TOL = Tolerance(atol=0.005, rtol=0.02)


# --- the comparison of two texts ---------------------------------------------------------------

def test_identical_text_matches():
    assert compare_text("accuracy 0.822 (seeds 0.708 to 0.901)", "accuracy 0.822 (seeds 0.708 to 0.901)", TOL) == []


def test_numbers_within_tolerance_match():
    assert compare_text("accuracy 0.822 (seeds 0.708 to 0.901)", "accuracy 0.823 (seeds 0.710 to 0.901)", TOL) == []


def test_number_beyond_tolerance_is_reported_with_both_values():
    problems = compare_text("rmsprop 0.307 after", "rmsprop 0.352 after", TOL)
    assert len(problems) == 1
    assert "stored 0.307, new 0.352" in problems[0] and "rmsprop" in problems[0]


@pytest.mark.parametrize("stored, new", [
    ("accuracy 0.822", "acuracy 0.822"),      # a word
    ("Adam 0.9", "AdamW 0.9"),                # a name glued to text
    ("loss 0.5 0.6", "loss 0.5"),             # a number fewer
    ("loss 0.5", "loss 0.5 (diverged)"),      # text added
])
def test_text_other_than_numbers_is_exact(stored, new):
    assert compare_text(stored, new, TOL)


def test_integers_are_exact_by_default_and_approx_on_request():
    assert compare_text("epoch 10 of 10", "epoch 11 of 10", TOL)
    assert compare_text("epoch 10 of 10", "epoch 11 of 10", Tolerance(atol=0, rtol=0.2, integers="approx")) == []


def test_table_column_widths_may_change():
    stored = "rate   acc\n1e-02  9.99\n1e-01  0.50\n"
    new = "rate    acc\n1e-02  10.00\n1e-01   0.50\n"
    assert compare_text(stored, new, TOL) == []


def test_signs_exponents_nan_and_inf():
    assert compare_text("x = -1.000e-03", "x = -1.001e-03", TOL) == []
    assert compare_text("x = -1.0", "x = 1.0", TOL)                # the sign is part of the number
    assert compare_text("seeds 0-4", "seeds 0-4", TOL) == []        # a range, not 0 and -4
    assert compare_text("loss nan", "loss nan", TOL) == []
    assert compare_text("loss nan", "loss 0.5", TOL)
    assert compare_text("loss inf", "loss inf", TOL) == []
    assert compare_text("loss inf", "loss 1e300", TOL)


def test_numbers_inside_words_are_text():
    # "mnist5k" and "x2" are names, not numbers: a change there is a text change
    assert compare_text("data mnist5k", "data mnist6k", TOL)
    assert compare_text("layer dense_1", "layer dense_2", TOL)


def test_tolerance_formula():
    tol = Tolerance(atol=0.01, rtol=0.1)
    assert tol.accepts(1.0, 1.10, False) and not tol.accepts(1.0, 1.12, False)
    assert tol.accepts(0.0, 0.01, False) and not tol.accepts(0.0, 0.0101, False)
    assert not tol.accepts(math.nan, 1.0, False) and tol.accepts(math.nan, math.nan, False)


def test_compare_outputs_streams_and_mime_types():
    stored = [nbformat.v4.new_output("stream", name="stdout", text="loss 0.501\n"),
              nbformat.v4.new_output("execute_result", data={"text/plain": "0.25", "text/html": "<td>0.25</td>"})]
    close = [nbformat.v4.new_output("stream", name="stdout", text="loss 0.502\n"),
             nbformat.v4.new_output("execute_result", data={"text/plain": "0.251", "text/html": "<td>0.251</td>"})]
    far = [nbformat.v4.new_output("stream", name="stdout", text="loss 0.9\n"),
           nbformat.v4.new_output("execute_result", data={"text/plain": "0.25", "text/html": "<td>0.25</td>"})]
    assert compare_outputs(close, stored, TOL) == []
    assert compare_outputs(far, stored, TOL) == ["stdout: number 1 (after 'loss '): stored 0.501, new 0.9"]
    stderr = [nbformat.v4.new_output("stream", name="stderr", text="loss 0.501\n"), stored[1]]
    assert "output fields differ" in compare_outputs(stderr, stored, TOL)[0]


# --- how a cell opts in ------------------------------------------------------------------------

def test_cells_without_the_tag_are_not_approximate():
    assert tolerance_for({}) is None
    assert tolerance_for({"tags": ["remove-cell", "nbval-ignore-output"]}) is None


def test_tag_alone_gives_the_defaults_and_metadata_overrides():
    assert tolerance_for({"tags": ["nbval-approx"]}) == Tolerance()
    tol = tolerance_for({"tags": ["nbval-approx"], "nbval-approx": {"atol": 0.02, "rtol": 0, "integers": "approx"}})
    assert tol == Tolerance(atol=0.02, rtol=0.0, integers="approx")


@pytest.mark.parametrize("metadata, message", [
    ({"tags": ["nbval-aprox"]}, "unknown comparison tag(s) ['nbval-aprox']"),
    ({"tags": ["nbval-tolerance"]}, "accepted:"),
    ({"nbval-approx": {"atol": 0.1}}, "lacks the tag 'nbval-approx'"),
    ({"tags": ["nbval-approx", "nbval-ignore-output"]}, "cannot be combined"),
    ({"tags": ["nbval-approx"], "nbval-approx": 0.1}, "must be an object"),
    ({"tags": ["nbval-approx"], "nbval-approx": {"tol": 0.1}}, "unknown key(s) ['tol']"),
    ({"tags": ["nbval-approx"], "nbval-approx": {"atol": -1}}, "atol must be a finite number >= 0, got -1"),
    ({"tags": ["nbval-approx"], "nbval-approx": {"rtol": "0.1"}}, "rtol must be a finite number >= 0, got '0.1'"),
    ({"tags": ["nbval-approx"], "nbval-approx": {"rtol": float("nan")}}, "rtol must be a finite number"),
    ({"tags": ["nbval-approx"], "nbval-approx": {"integers": "loose"}}, "integers must be one of ['exact', 'approx']"),
])
def test_bad_tags_and_metadata_are_errors(metadata, message):
    with pytest.raises(ApproxConfigError) as info:
        tolerance_for(metadata)
    assert message in str(info.value)


# --- end to end, through nbval ------------------------------------------------------------------

def _cell(source, stored_text, tags=(), **metadata):
    cell = nbformat.v4.new_code_cell(source, execution_count=1)
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=stored_text)]
    cell.metadata.update(metadata)
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def test_through_nbval(pytester):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        _cell("print('acc 0.8234')", "acc 0.8229\n", tags=["nbval-approx"]),                 # 0 passes
        _cell("print('acc 0.8234')", "acc 0.9\n", tags=["nbval-approx"]),                    # 1 beyond tolerance
        _cell("print('acc 0.8234')", "acc 0.8229\n"),                                        # 2 exact: fails
        _cell("print('acc 0.8234')", "acc 0.8\n", tags=["nbval-approx"],
              **{"nbval-approx": {"atol": 0.05}}),                                            # 3 wider: passes
        _cell("x = 1\nprint('acc 0.8234')", "acc 0.8234\n", tags=["nbval-aprox"]),           # 4 unknown tag
        _cell("print(x + 1)", "2\n"),                                                        # 5 ran after 4
        _cell("print('epoch 4')", "epoch 3\n", tags=["nbval-approx"]),                       # 6 integer
    ]
    for i, cell in enumerate(nb.cells):
        cell.execution_count = i + 1
    nbformat.write(nb, str(pytester.path / "probe.ipynb"))
    result = pytester.runpytest("-p", "nbval_approx", "--nbval", "--nbval-current-env", "probe.ipynb")
    result.assert_outcomes(passed=3, failed=4)
    out = result.stdout.str()
    failed = {line.split("::")[1].split()[0] + " " + line.split("::")[1].split()[1]
              for line in result.outlines if line.startswith("FAILED")}
    assert failed == {"Cell 1", "Cell 2", "Cell 4", "Cell 6"}, failed
    assert "stored 0.9, new 0.8234" in out and "|new - stored| <= 0.005 + 0.02 * |stored|" in out
    assert "unknown comparison tag(s) ['nbval-aprox']" in out
    assert "integer 1 (after 'epoch '): stored 3, new 4" in out
    # the summary names every approximate cell whose numbers moved, and by how much
    assert "4 cells compared within a tolerance; the numbers of 4 differ from the stored output" in out
    assert "probe.ipynb::Cell 0: largest change 2% of the tolerance" in out
    assert "probe.ipynb::Cell 1: beyond the tolerance" in out


# --- the sanitizer that nbval applies before either comparison ---------------------------------

def _sanitize(text):
    import re
    from pathlib import Path

    from nbval.plugin import get_sanitize_patterns

    config = (Path(__file__).parent / "nbval_sanitize.cfg").read_text()
    for regex, replace in get_sanitize_patterns(config):  # in the file's order, as nbval does
        text = re.sub(regex, replace, text)
    return text


def test_sanitizer_replaces_timings_but_not_inside_an_image():
    assert _sanitize("3 epochs in 2.5 s, 14ms/step") == "3 epochs in <TIME>, <TIME>/step"
    # Two images that differ only in bytes which look like a timing ("3s") must sanitize alike.
    image_a, image_b = "iVBOR" + "A" * 150 + "+3s/" + "B" * 100, "iVBOR" + "A" * 150 + "+Qx/" + "B" * 100
    html = '<img src="data:image/png;base64,{}"> frame 3 of 40'
    assert _sanitize(html.format(image_a)) == _sanitize(html.format(image_b))
    assert _sanitize(html.format(image_a)).endswith("<BASE64>\"> frame 3 of 40")
