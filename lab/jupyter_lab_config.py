# JupyterLab as `make lab` starts it (and tests/test_lab.py, which starts it the same way):
#   jupyter lab --config=lab/jupyter_lab_config.py
# The server's root is the repository, so jupytext finds jupytext.toml and pairs each chapter's
# .md with its .ipynb (the outputs); the chapters open as notebooks on double-click
# (lab/settings/overrides.json); markdown cells render MyST (jupyterlab-myst).
import os
import sys
from pathlib import Path

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

c = get_config()  # noqa: F821
c.ServerApp.root_dir = ROOT
c.ServerApp.preferred_dir = os.path.join(ROOT, "book")
# A container or CI machine often runs as root: allow it instead of refusing to start.
c.ServerApp.allow_root = True
# The book's own JupyterLab settings (default viewers); a reader's own settings still apply.
c.LabApp.app_settings_dir = os.path.join(ROOT, "lab", "settings")

# Citations as author-year text (jupyterlab-myst reads no bibliography): a small extension
# generated from the book's references at each start (lab/citations.py).
try:
    sys.path.insert(0, os.path.join(ROOT, "lab"))
    from citations import write_extension

    c.LabApp.extra_labextensions_path = [
        os.fspath(write_extension(Path(ROOT), Path(ROOT) / "_build" / "lab" / "labextensions"))
    ]
except Exception as exc:  # noqa: BLE001 (the book still opens, with jupyterlab-myst's keys)
    print(f"WARNING: citations will show as keys in JupyterLab: {exc!r}", file=sys.stderr)
