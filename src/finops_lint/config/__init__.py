"""Find, load, validate and merge the config file and rule packs.

A config is a YAML mapping (`.finops-lint.yaml`, or `[tool.finops-lint]` in
`pyproject.toml`) that may `extends:` a built-in profile or another pack. The
merged result is validated against `schemas/config.schema.json`; every problem
is a `ConfigError` naming the file and line, never a traceback.

``loader`` (find, read, extends, merge), ``validate`` (schema, codes, options),
``build`` (settings -> Config), ``model`` (Config and its specs), ``tables``
(table specs), ``errors`` (ConfigError with positions). This module is the
package's public interface.
"""

from finops_lint.config.build import build_config
from finops_lint.config.errors import ConfigError
from finops_lint.config.loader import default_profile, find_config, load_config
from finops_lint.config.model import (
    DEFAULT_PROFILE,
    FINOPS_PROFILE,
    GENERIC_PROFILE,
    Config,
    PageType,
    ReferenceSpec,
    SectionSpec,
    normalize_heading,
)
from finops_lint.config.tables import ColumnSpec, TableSpec
from finops_lint.config.validate import code_problem, known_codes, regex_format_checker
from finops_lint.filenames import CONFIG_FILENAMES

__all__ = [
    "CONFIG_FILENAMES",
    "DEFAULT_PROFILE",
    "FINOPS_PROFILE",
    "GENERIC_PROFILE",
    "ColumnSpec",
    "Config",
    "ConfigError",
    "PageType",
    "ReferenceSpec",
    "SectionSpec",
    "TableSpec",
    "build_config",
    "code_problem",
    "default_profile",
    "find_config",
    "known_codes",
    "load_config",
    "normalize_heading",
    "regex_format_checker",
]
