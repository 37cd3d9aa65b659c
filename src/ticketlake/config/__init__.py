"""Project configuration: typed settings read from ``ticketlake.yml`` plus ``--set`` overrides.

Every user mistake surfaces as a one-line :class:`ConfigError` naming the offending key.
"""

from ticketlake.config.defaults import CONFIG_FILE
from ticketlake.config.loading import load_settings
from ticketlake.config.model import (
    Dataset,
    Engine,
    Paths,
    Priorities,
    Settings,
    SourceConfig,
    Target,
)
from ticketlake.config.reference import (
    default_config_text,
    settings_reference,
    write_default_config,
)

__all__ = [
    "CONFIG_FILE",
    "Dataset",
    "Engine",
    "Paths",
    "Priorities",
    "Settings",
    "SourceConfig",
    "Target",
    "default_config_text",
    "load_settings",
    "settings_reference",
    "write_default_config",
]
