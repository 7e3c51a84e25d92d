"""The built website, checked the way a reader meets it: in a real (headless) browser.

The session fixture builds the book exactly as `make book` does, but with warnings as errors
(`--all -W -n --keep-going`: a full rebuild, since an incremental one skips the warnings of unchanged pages). Each page of the table of contents is then opened from a local server on
127.0.0.1, with no internet: any request to another host is a failure, so a page that still
needs a CDN fails here. A full-page screenshot of each page is saved in `_build/screenshots/`.
"""

from __future__ import annotations

import functools
import http.server
import re
import subprocess
import sys
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest
import yaml

pytestmark = pytest.mark.site

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
# Every Jupyter Book 1.0.4 page declares this twice (sphinx-thebe); it is harmless.
KNOWN_CONSOLE_ERRORS = (re.compile(r"Identifier 'THEBE_JS_URL' has already been declared"),)


def _toc_pages() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                pages.append(str(Path(entry["file"]).with_suffix("")))
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return pages + ["genindex", "search"]


PAGES = _toc_pages()


@pytest.fixture(scope="session")
def built_site():
    jb = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run(
        [str(jb), "build", "--all", "-W", "-n", "--keep-going", str(ROOT)],
        cwd=ROOT, capture_output=True, text=True,
    )
    if result.returncode != 0:
        warnings = [line for line in (result.stdout + result.stderr).splitlines() if "WARNING" in line or "ERROR" in line]
        pytest.fail("jupyter-book build -W -n failed:\n" + "\n".join(warnings[-40:] or [result.stdout[-3000:]]))
    return HTML


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def server(built_site):
    handler = functools.partial(_QuietHandler, directory=str(built_site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


@pytest.fixture(scope="session")
def browser(server, chromium):
    return chromium


class _Anchors(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            self.ids.add(attrs["name"])
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])


@functools.cache
def _parse(path: Path) -> _Anchors:
    parser = _Anchors()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_site_builds_without_warnings(built_site):
    for page in PAGES:
        assert (built_site / f"{page}.html").is_file(), f"{page}.html was not built"
    assert (built_site / "index.html").is_file()


@pytest.mark.parametrize("page", PAGES)
def test_internal_links_resolve(built_site, page):
    path = built_site / f"{page}.html"
    broken = []
    for href in _parse(path).hrefs:
        url = urlparse(href)
        if url.scheme or url.netloc or href.startswith(("mailto:", "javascript:")):
            continue
        target = (path.parent / unquote(url.path)).resolve() if url.path else path
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            broken.append(f"{href} (no file {target.relative_to(built_site) if built_site in target.parents else target})")
        elif url.fragment and target.suffix == ".html" and url.fragment not in _parse(target).ids:
            broken.append(f"{href} (no id {url.fragment!r} in {target.name})")
    assert not broken, f"broken internal links on {page}: {broken}"


_MOVE_CONTROL = """(el) => {
    const before = el.value;
    if (el.tagName === 'SELECT') {
        el.selectedIndex = (el.selectedIndex + 1) % el.options.length;
    } else {
        el.value = (parseInt(el.value, 10) === parseInt(el.max, 10)) ? el.min : el.max;
    }
    el.dispatchEvent(new Event('input', {bubbles: true}));
    el.dispatchEvent(new Event('change', {bubbles: true}));
    return [before, el.value];
}"""


# An explorer's or animation's <img> shows each frame as a transparent overlay over a background
# picture (its CSS background): that picture must decode and have the overlays' size.
_BACKGROUND_OK = """(img) => new Promise((resolve) => {
    const found = /url\\(["']?(data:image\\/png;base64,[^"')]+)/.exec(img.getAttribute('style') || '');
    if (!found) { resolve('no background'); return; }
    const under = new Image();
    under.onload = () => resolve(under.naturalWidth === img.naturalWidth && under.naturalHeight === img.naturalHeight
        ? '' : `background ${under.naturalWidth}x${under.naturalHeight}, frames ${img.naturalWidth}x${img.naturalHeight}`);
    under.onerror = () => resolve('the background does not decode');
    under.src = found[1];
})"""


def _check_explorers(tab) -> list[str]:
    """A precomputed explorer must swap its figure when the reader moves a control."""
    problems = []
    explorers = tab.locator("div.lru-explorer")
    for i in range(explorers.count()):
        root = explorers.nth(i)
        image = root.locator("img.lru-frame")
        if image.count() != 1 or not image.evaluate("i => i.complete && i.naturalWidth > 0"):
            problems.append(f"explorer {i}: its figure is not shown")
            continue
        if (why := image.evaluate(_BACKGROUND_OK)):
            problems.append(f"explorer {i}: {why}")
        # element handles, not locators: choosing another option hides some controls
        controls = root.locator("input.lru-slider:visible, select.lru-select:visible").element_handles()
        if not controls:
            problems.append(f"explorer {i}: no visible control")
            continue
        for j, control in enumerate(controls):
            if not control.is_visible():
                continue  # belongs to an option no longer selected
            src = image.get_attribute("src")
            before, after = control.evaluate(_MOVE_CONTROL)
            if before == after:
                continue  # a control with a single position cannot move
            tab.wait_for_timeout(50)
            if image.get_attribute("src") == src:
                problems.append(f"explorer {i}: moving control {j} ({before} -> {after}) did not change the figure")
    return problems


def _check_animations(tab) -> list[str]:
    """An animation (an explorer with a play button): pressing Play must advance the frames.
    Its slider, background and frames are checked with the explorers above."""
    problems = []
    players = tab.locator("div.lru-animation")
    for i in range(players.count()):
        root = players.nth(i)
        image = root.locator("img.lru-frame")
        src = image.get_attribute("src")
        play = root.locator("button.lru-play[title='Play']")
        if play.count() != 1:
            problems.append(f"animation {i}: no Play button")
            continue
        play.click()
        try:
            tab.wait_for_function("([img, src]) => img.getAttribute('src') !== src", arg=[image.element_handle(), src], timeout=5000)
        except Exception:
            problems.append(f"animation {i}: pressing Play did not change the frame")
        pause = root.locator("button.lru-play[title='Pause']")
        if pause.count() != 1:
            problems.append(f"animation {i}: once playing, the button is not a Pause button")
            continue
        pause.click()
    return problems


@pytest.mark.parametrize("page", PAGES)
def test_page_in_browser(browser, server, page):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    problems: list[str] = []
    host = urlparse(server).netloc

    def on_console(msg):
        if msg.type == "error" and not any(p.search(msg.text) for p in KNOWN_CONSOLE_ERRORS):
            problems.append(f"console error: {msg.text}")

    def on_request(request):
        url = urlparse(request.url)
        if url.scheme in ("http", "https") and url.netloc != host:
            problems.append(f"request to another host (the site must be self-contained): {request.url}")

    def on_response(response):
        if response.status >= 400:
            problems.append(f"HTTP {response.status} for {response.url}")

    tab.on("console", on_console)
    def on_page_error(err):
        if not any(p.search(str(err)) for p in KNOWN_CONSOLE_ERRORS):
            problems.append(f"page error: {err}")

    tab.on("pageerror", on_page_error)
    tab.on("request", on_request)
    tab.on("requestfailed", lambda r: problems.append(f"failed request: {r.url} ({r.failure})"))
    tab.on("response", on_response)

    response = tab.goto(urljoin(server, f"{page}.html"), wait_until="load")
    assert response is not None and response.status == 200, f"{page}: HTTP {response and response.status}"

    # images: make lazy ones load, then every <img> must have decoded
    tab.evaluate("document.querySelectorAll('img').forEach(i => { i.loading = 'eager'; })")
    tab.wait_for_function("Array.from(document.images).every(i => i.complete)", timeout=15000)
    broken_images = tab.evaluate(
        "Array.from(document.images).filter(i => i.naturalWidth === 0).map(i => i.getAttribute('src').slice(0, 80))"
    )
    problems += [f"image not loaded: {src}" for src in broken_images]

    # math: every math element typeset by the vendored MathJax, without errors
    n_math = tab.evaluate("document.querySelectorAll('span.math, div.math').length")
    if n_math:
        try:
            tab.wait_for_function(
                "Array.from(document.querySelectorAll('span.math, div.math')).every(e => e.querySelector('mjx-container'))",
                timeout=20000,
            )
        except Exception:
            problems.append(f"math not rendered ({n_math} math elements)")
        if tab.evaluate("document.querySelectorAll('mjx-merror').length"):
            problems.append("MathJax reported an error in a formula")

    # interactive figures are the static explorers and animations, checked below; the site has
    # no Jupyter widgets manager (nb_ipywidgets_js is empty), so a widget view would show nothing
    n_views = tab.evaluate("document.querySelectorAll('script[type^=\"application/vnd.jupyter.widget\"]').length")
    if n_views:
        problems.append(f"{n_views} Jupyter widget view(s) or state, which the site cannot render")

    problems += _check_explorers(tab) + _check_animations(tab)

    # no traceback in any output, except in cells tagged `raises-exception`, which show an
    # error on purpose (the migration appendix demonstrates what Keras 3 raises)
    unexpected = tab.evaluate(
        """() => Array.from(document.querySelectorAll('div.cell:not(.tag_raises-exception) .cell_output'))
              .filter(o => o.querySelector('.traceback') || o.innerText.includes('Traceback (most recent call last)'))
              .length"""
    )
    if unexpected:
        problems.append(f"{unexpected} cell output(s) show a traceback outside raises-exception cells")

    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / f"{page.replace('/', '__')}.png"), full_page=True)
    context.close()
    assert not problems, f"{page}:\n" + "\n".join(problems)


def test_interactive_figures_reach_the_pages(built_site):
    """Every explorer and animation stored in a notebook of the book appears on its page, so the
    browser checks above really exercise them (and the book has at least one explorer)."""
    import nbformat

    for page in PAGES:
        source = ROOT / f"{page}.ipynb"
        if not source.exists():
            continue
        nb = nbformat.read(source, as_version=4)
        stored = "".join(
            "".join(out.get("data", {}).get("text/html", ""))
            for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs
        )
        html = (built_site / f"{page}.html").read_text(encoding="utf-8")
        for marker in ('class="lru-explorer"', 'class="lru-explorer lru-animation"'):
            assert html.count(marker) == stored.count(marker), f"{page}: {marker} stored {stored.count(marker)}x, shown {html.count(marker)}x"
    total = sum((built_site / f"{p}.html").read_text(encoding="utf-8").count('class="lru-explorer"') for p in PAGES)
    assert total >= 1, "no explorer on any page"


#: The largest page a phone should have to load (the HTML itself: explorers, animations and
#: figures are inline).
MAX_PAGE_BYTES = 2_000_000


def test_every_page_is_light_enough_for_a_phone(built_site):
    sizes = {page: (built_site / f"{page}.html").stat().st_size for page in PAGES}
    heavy = {page: f"{size / 1e6:.2f} MB" for page, size in sizes.items() if size > MAX_PAGE_BYTES}
    assert not heavy, f"pages above {MAX_PAGE_BYTES / 1e6:.0f} MB: {heavy}"


def test_every_public_function_is_on_the_reference_page(built_site):
    """Each public module's functions and classes (its ``__all__``) have an entry on the
    reference page, under their home module, so a link such as ``lrutils.find_lr`` resolves."""
    import importlib
    import inspect

    import lrutils

    ids = _parse(built_site / "appendices" / "lrutils-reference.html").ids
    missing = []
    for module_name in lrutils.PUBLIC_MODULES:
        module = importlib.import_module(f"lrutils.{module_name}")
        for name in module.__all__:
            value = getattr(module, name)
            if inspect.isfunction(value) or inspect.isclass(value):
                if f"lrutils.{module_name}.{name}" not in ids:
                    missing.append(f"lrutils.{module_name}.{name}")
    assert missing == []
    assert len(ids) > 100  # the page was really read
