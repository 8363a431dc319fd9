"""The names a run looks for in a folder and the folders above it.

Standard library only: the replay of an unchanged run (`cache.replay`) stats them
before anything else is loaded, so a file that appears or changes there is seen.
"""

from __future__ import annotations

#: What marks a Jekyll site's root (`discover.find_site_root`).
JEKYLL_CONFIG_FILENAMES = ("_config.yml", "_config.yaml")
#: finops-lint's own config (`config.loader.find_config`, which also reads a
#: `[tool.finops-lint]` section of PYPROJECT).
CONFIG_FILENAMES = (".finops-lint.yaml", ".finops-lint.yml")
PYPROJECT = "pyproject.toml"
#: The findings a site accepts for now (`baseline.find_baseline`).
BASELINE_FILENAME = ".finops-lint-baseline.json"
#: Every name looked for at or above a run's first path.
LOOKED_UP = (*JEKYLL_CONFIG_FILENAMES, *CONFIG_FILENAMES, PYPROJECT, BASELINE_FILENAME)
