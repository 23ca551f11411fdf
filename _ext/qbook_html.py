"""Small fixes to the built HTML so that every page reads offline without console errors.

Loaded by Jupyter Book through ``sphinx.local_extensions`` in ``_config.yml``; checked by
``tests/test_browser.py``.

* sphinx-thebe 0.3 adds its ``const THEBE_JS_URL = ...`` script twice to every page, and the
  second copy is a JavaScript ``SyntaxError``: keep one copy of every identical script.
* The ipywidgets 8 embedder (``embed-amd.js``) typesets labels with MathJax 2's
  ``MathJax.Hub.Queue``, which MathJax 3 lacks: a shim maps it onto ``MathJax.typesetPromise``.
* Every chapter opens with the Colab install cell, which does nothing outside Colab: in the
  HTML its source is folded away ("Show the Colab install cell"), as ``hide-input`` would do.
* The embedder finds its own fonts relative to its RequireJS module paths
  (``@jupyter-widgets/...``): point those at ``_static/widgets`` where ``make static`` put them.
* The Colab launch button opens ``colab/NN_name.ipynb`` (plain Markdown, made by ``make colab``)
  instead of ``book/NN_name.ipynb`` (MyST, which Colab shows raw).
* ``static/qbook.css``: long code lines wrap inside the column, wide display equations scroll
  sideways on a phone instead of being cut.
* Without npm, ``make static`` cannot fetch MathJax and the widget scripts into ``_offline/``:
  then the pages load the same versions from a CDN (:func:`use_cdn_without_offline_copies`), and
  the Makefile says so in one loud line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform

# The versions the Makefile fetches with npm, from a CDN instead.
CDN_MATHJAX = "https://cdn.jsdelivr.net/npm/mathjax@3.2.2/es5/tex-chtml.js"
CDN_REQUIRE = "https://cdn.jsdelivr.net/npm/requirejs@2.3.7/require.js"
CDN_EMBED = "https://cdn.jsdelivr.net/npm/@jupyter-widgets/html-manager@1.0.6/dist/embed-amd.js"
OFFLINE = "_offline"
COLAB_DIR = "colab"
COLAB_URL = "https://colab.research.google.com/github/"

COLAB_CELL = "# On Colab, install the book's pinned stack first"
FOLDED_SHOW = "Show the Colab install cell (it does nothing outside Colab)"
FOLDED_HIDE = "Hide the Colab install cell"

WIDGET_SHIM = """
(function () {
  function queue(cmd) {
    var el = Array.isArray(cmd) ? cmd[2] : undefined;
    var mj = window.MathJax;
    if (mj && mj.typesetPromise) { mj.typesetPromise(el ? [el] : undefined).catch(function () {}); }
  }
  window.MathJax = window.MathJax || {};
  window.MathJax.Hub = { Queue: queue };
  var startup = (window.MathJax.startup = window.MathJax.startup || {});
  startup.ready = function () { MathJax.startup.defaultReady(); MathJax.Hub = { Queue: queue }; };
  var req = document.querySelector('script[src*="widgets/require.js"]');
  if (req && window.require && window.require.config) {
    var base = new URL(".", req.src).href.replace(/\\/$/, "");
    window.require.config({
      paths: { "@jupyter-widgets/html-manager/dist": base, "@jupyter-widgets": base },
    });
  }
})();
"""


def _key(js: Any) -> tuple:
    attrs = getattr(js, "attributes", {}) or {}
    return (
        str(getattr(js, "filename", js) or ""),
        tuple(sorted((k, str(v)) for k, v in attrs.items())),
    )


def _fix_scripts(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple] = set()
    kept = []
    for js in scripts:
        key = _key(js)
        if key in seen:
            continue
        seen.add(key)
        kept.append(js)
    embed = next((i for i, js in enumerate(kept) if "embed-amd.js" in _key(js)[0]), None)
    if embed is not None:
        from sphinx.builders.html._assets import _JavaScript

        kept.insert(embed, _JavaScript("", body=WIDGET_SHIM))
    scripts[:] = kept


class FoldColabCell(SphinxPostTransform):
    """Give the Colab install cell myst-nb's ``hide_mode = "input"`` (before myst-nb acts)."""

    default_priority = 190  # myst-nb's HideInputCells runs at 199
    formats = ("html",)

    def run(self, **kwargs: Any) -> None:
        for node in self.document.findall(nodes.container):
            if node.get("nb_element") != "cell_code" or node.get("hide_mode"):
                continue
            block = next(iter(node.findall(nodes.literal_block)), None)
            if block is not None and block.astext().startswith(COLAB_CELL):
                node["hide_mode"] = "input"
                node["prompt_show"] = FOLDED_SHOW
                node["prompt_hide"] = FOLDED_HIDE


def _colab_to_colab_folder(app: Any, pagename: str, templatename: str, context: dict, doctree: Any):
    """Point the Colab launch button at ``colab/<page>.ipynb`` (after sphinx-book-theme's 501)."""
    stem = pagename.rsplit("/", 1)[-1]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            url = node.get("url")
            if isinstance(url, str) and url.startswith(COLAB_URL) and url.endswith(".ipynb"):
                head, _, _ = url.partition("/blob/")
                branch = url.split("/blob/", 1)[1].split("/", 1)[0]
                node["url"] = f"{head}/blob/{branch}/{COLAB_DIR}/{stem}.ipynb"
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(context.get("header_buttons", []))


def _add_static(app: Any, config: Any) -> None:
    config.html_static_path = [*config.html_static_path, str(Path(__file__).parent / "static")]


def use_cdn_without_offline_copies(app: Any, config: Any) -> None:
    """No ``_offline/`` copies (no npm): MathJax and the widget scripts come from a CDN."""
    offline = Path(app.confdir) / OFFLINE
    if (offline / "mathjax" / "tex-chtml.js").is_file() and (
        offline / "widgets" / "embed-amd.js"
    ).is_file():
        return
    config.html_static_path = [p for p in config.html_static_path if p != OFFLINE]
    config.mathjax_path = CDN_MATHJAX
    config.nb_ipywidgets_js = {CDN_REQUIRE: {}, CDN_EMBED: {"crossorigin": "anonymous"}}


def setup(app: Any) -> dict[str, Any]:
    app.connect("config-inited", use_cdn_without_offline_copies)
    app.add_post_transform(FoldColabCell)
    app.connect("config-inited", _add_static)
    app.add_css_file("qbook.css")
    app.connect("html-page-context", _fix_scripts, priority=900)
    app.connect("html-page-context", _colab_to_colab_folder, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
