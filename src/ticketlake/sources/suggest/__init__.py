"""``ticketlake map suggest``: profile an export and propose its ``sources:`` entry, status
categories and priority aliases (docs/sources.md, "Suggesting a mapping")."""

from __future__ import annotations

from pathlib import Path

import yaml

from ticketlake.common.duck import Config
from ticketlake.config.model import Settings
from ticketlake.sources import get
from ticketlake.sources.suggest.match import Suggestion, suggest
from ticketlake.sources.suggest.profile import Profile, profile
from ticketlake.sources.suggest.render import render

__all__ = ["Profile", "Suggestion", "profile", "render", "suggest", "suggest_yaml"]


def suggest_yaml(path: Path, fmt: str = "auto", shown_path: str | None = None,
                 config: Config | None = None) -> str:  # fmt: skip
    """The suggested YAML for the export at ``path``, read as ``fmt``; the source entry names
    the file as ``shown_path`` (default: ``path``). The text is checked to be settings
    ticketlake accepts before it is returned."""
    if fmt != "auto":
        get(fmt)  # an unknown format is a usage error naming the known ones
    text = render(suggest(profile(path, config), fmt), shown_path or str(path))
    Settings.model_validate(yaml.safe_load(text))
    return text
