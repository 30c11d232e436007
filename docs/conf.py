"""Sphinx configuration of kion_sim's documentation.

Build: ``sphinx-build -W --keep-going -b html docs docs/_build/html`` (needs ``.[docs]``). The
notebooks are rendered as stored, without outputs: the tests execute them, the docs build does not.
"""

from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).parent
# Document the checkout the docs sit in (its kion_sim and parameter_sets/), whatever is installed;
# _ext holds the local extension that writes the provenance tables.
sys.path[:0] = [str(DOCS.parent), str(DOCS / "_ext")]

import kion_sim  # noqa: E402

project = "kion_sim"
author = "kion_sim contributors"
release = version = kion_sim.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "myst_nb",
    "provenance_tables",
]

# The notebooks live beside the package's other examples; docs/notebooks is a link to them.
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
nb_execution_mode = "off"
myst_heading_anchors = 3

# API reference: one page per public subpackage, its members the names in its __all__.
autosummary_generate = True
autosummary_ignore_module_all = False
autodoc_default_options = {"members": True, "show-inheritance": False}
autodoc_typehints = "description"
autodoc_member_order = "bysource"
napoleon_numpy_docstring = True
napoleon_google_docstring = False
napoleon_use_ivar = True  # dataclass fields in "Attributes" would otherwise be documented twice

html_theme = "pydata_sphinx_theme"
html_title = "kion_sim"
html_theme_options = {"navigation_with_keys": False, "show_toc_level": 2}
