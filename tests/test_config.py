"""Tests for the project configuration: loading, validation messages, --set and docs coverage."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from ticketlake.config import (
    CONFIG_FILE,
    Paths,
    Settings,
    default_config_text,
    load_settings,
    settings_reference,
    write_default_config,
)
from ticketlake.config.defaults import DUCKDB_BUILD_SHARE, DUCKDB_INGEST_SHARE
from ticketlake.errors import ConfigError

DOCS = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"
HELPDESK = "sources:\n  - name: helpdesk\n    format: tickets\n    path: exports/*.csv\n"


def write_config(project: Path, text: str) -> Path:
    """Write ``text`` as the project's ticketlake.yml and return the project directory."""
    (project / CONFIG_FILE).write_text(text, encoding="utf-8")
    return project


def config_error(project: Path, overrides: tuple[str, ...] = ()) -> str:
    """Load the project expecting a ConfigError; check it is one line with exit code 2."""
    with pytest.raises(ConfigError) as info:
        load_settings(project, overrides)
    message = str(info.value)
    assert "\n" not in message
    assert info.value.exit_code == 2
    return message


# ---------------------------------------------------------------- defaults and template


def test_defaults_without_a_config_file(tmp_path: Path) -> None:
    settings = load_settings(tmp_path)
    assert settings == Settings()
    assert settings.timezone == "UTC"
    assert settings.engine.threads == 2
    assert settings.sources == []
    assert settings.priorities.levels == ["P1", "P2", "P3", "P4"]
    assert settings.targets["P1"].response_hours == 0.5


def test_empty_config_file_means_defaults(tmp_path: Path) -> None:
    assert load_settings(write_config(tmp_path, "# nothing yet\n")) == Settings()


def test_template_parses_to_exactly_the_defaults() -> None:
    assert Settings.model_validate(yaml.safe_load(default_config_text())) == Settings()


def test_template_examples_are_valid_sources() -> None:
    """The commented-out examples, once uncommented, are a valid source list too."""
    text = default_config_text()
    start = text.index("sources: []")
    block = text[start : text.index("\n# Raw status", start)].splitlines()[1:]
    sources = "\n".join(line.removeprefix("#") for line in block)
    settings = Settings.model_validate(yaml.safe_load("sources:\n" + sources))
    formats = {source.format for source in settings.sources}
    assert formats == {"tickets", "snapshots", "servicenow", "eventlog", "interactions", "json"}


def test_write_default_config_round_trips(tmp_path: Path) -> None:
    path = write_default_config(tmp_path / "new" / "project")
    assert path.read_text(encoding="utf-8") == default_config_text()
    assert load_settings(path.parent) == Settings()


def test_write_default_config_refuses_to_overwrite(tmp_path: Path) -> None:
    write_config(tmp_path, "timezone: Europe/Berlin\n")
    with pytest.raises(ConfigError, match="already exists") as info:
        write_default_config(tmp_path)
    assert info.value.exit_code == 2
    assert load_settings(tmp_path).timezone == "Europe/Berlin"
    write_default_config(tmp_path, force=True)
    assert load_settings(tmp_path) == Settings()


def test_a_full_config_file_loads(tmp_path: Path) -> None:
    text = HELPDESK + (
        "    timezone: Europe/Berlin\n"
        "    date_format: '%d/%m/%Y %H:%M'\n"
        "    null_markers: ['', '?']\n"
        "    mapping: {ticket_id: Ticket No, priority: fields.priority.name}\n"
        "engine: {memory_limit: 75%, threads: 8}\n"
        "aging_buckets: [0.5, 2, 10]\n"
    )
    settings = load_settings(write_config(tmp_path, text))
    source = settings.sources[0]
    assert (source.timezone, source.date_format) == ("Europe/Berlin", "%d/%m/%Y %H:%M")
    assert source.mapping["ticket_id"] == "Ticket No"
    assert settings.engine.memory_limit == "75%"
    assert settings.aging_bucket_labels() == ["0-0.5d", "0.5-2d", "2-10d", ">10d"]


# ---------------------------------------------------------------- file errors


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("engine:\n  threads: 0\n", "engine.threads: Input should be greater than or equal to 1"),
        ("engine:\n  memory_limit: lots\n", "engine.memory_limit:"),
        ("engine:\n  memory_limit: 150%\n", "engine.memory_limit:"),
        ("foo: 1\n", "foo: unknown setting"),
        ("engine:\n  thread: 3\n", "engine.thread: unknown setting (did you mean 'threads'?)"),
        ("timezone: Mars/Base\n", "timezone: unknown time zone 'Mars/Base'"),
        ("paths:\n  lake: http://example.com/lake\n", "paths.lake: unsupported scheme 'http://'"),
        ("paths:\n  lake: s3://\n", "paths.lake:"),
        ("paths:\n  warehouse: s3://b/w.duckdb\n", "paths.warehouse: must be a local path"),
        ("sources:\n  - name: a\n    path: x\n    format: xml\n", "sources[0].format:"),
        ("sources:\n  - name: Bad-Name\n    path: x\n", "sources[0].name:"),
        ("sources:\n  - name: a\n", "sources[0].path: Field required"),
        ("sources:\n  - name: a\n    path: x\n    encoding: utf-16\n", "sources[0].encoding:"),
        ("sources:\n  - name: a\n    path: x\n    colour: red\n", "sources[0].colour: unknown"),
        ("sources:\n  - {name: a, path: x, timezone: Nowhere}\n", "sources[0].timezone:"),
        ("sources:\n  - {name: a, path: x, mapping: {Ticket ID: id}}\n", "sources[0].mapping:"),
        ("statuses:\n  Open: shut\n", "statuses.Open: Input should be 'new'"),
        ("statuses:\n  Open: open\n  OPEN: closed\n", "statuses: status 'OPEN' is listed twice"),
        ("priorities:\n  levels: []\n", "priorities.levels:"),
        ("priorities:\n  levels: [P1, p1]\n", "priorities.levels:"),
        ("priorities:\n  aliases: {Critical: P0}\n", "priorities.aliases: 'Critical' maps to"),
        ("targets:\n  P5: {response_hours: 1, resolution_hours: 2}\n", "targets: unknown priority"),
        (
            "targets:\n  P1: {response_hours: 5, resolution_hours: 2}\n",
            "targets.P1: response_hours",
        ),
        ("targets:\n  P1: {response_hours: 0, resolution_hours: 2}\n", "targets.P1.response_hours"),
        ("aging_buckets: [1, 7, 3]\n", "aging_buckets: bounds must be strictly increasing"),
        ("aging_buckets: [1, 1]\n", "aging_buckets: bounds must be strictly increasing"),
        ("aging_buckets: []\n", "aging_buckets: must list at least one"),
        ("aging_buckets: [0, 1]\n", "aging_buckets[0]: Input should be greater than 0"),
    ],
)
def test_bad_setting_gives_one_line_naming_the_key(
    tmp_path: Path, text: str, expected: str
) -> None:
    message = config_error(write_config(tmp_path, text))
    assert message.startswith(f"{CONFIG_FILE}: ")
    assert expected in message


def test_bad_value_is_quoted_in_the_message(tmp_path: Path) -> None:
    message = config_error(
        write_config(tmp_path, "sources:\n  - {name: a, path: x, encoding: ebcdic}\n")
    )
    assert message.endswith("(got 'ebcdic')")


def test_several_errors_report_the_first_and_count_the_rest(tmp_path: Path) -> None:
    message = config_error(write_config(tmp_path, "timezone: Nowhere\nengine: {threads: 0}\n"))
    assert message.startswith(f"{CONFIG_FILE}: timezone:")
    assert message.endswith("(and 1 more)")


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("engine:\n  threads: [1\n", ":3:1:"),
        ("sources:\n  - name: a\n    date_format: %d/%m\n", ":3:18:"),
        ("timezone: UTC\ntimezone: CET\n", ":2:1:"),
    ],
)
def test_yaml_syntax_error_gives_line_and_column(tmp_path: Path, text: str, where: str) -> None:
    message = config_error(write_config(tmp_path, text))
    assert message.startswith(f"{CONFIG_FILE}{where} invalid YAML: ")


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    assert "mapping" in config_error(write_config(tmp_path, "- timezone: UTC\n"))


def test_duplicate_source_names(tmp_path: Path) -> None:
    text = HELPDESK + "  - name: helpdesk\n    path: other/*.csv\n"
    assert "sources: duplicate source name 'helpdesk'" in config_error(write_config(tmp_path, text))


@pytest.mark.parametrize("fmt", ["%H:%M", "%d/%m/%Y %q", "%Y-%m-%", "%%d %H"])
def test_bad_date_format(tmp_path: Path, fmt: str) -> None:
    text = f"sources:\n  - name: a\n    path: x\n    date_format: '{fmt}'\n"
    assert "sources[0].date_format:" in config_error(write_config(tmp_path, text))


# ---------------------------------------------------------------- --set overrides


def test_set_parses_values_as_yaml(tmp_path: Path) -> None:
    overrides = (
        "engine.threads=4",
        'sources.0.null_markers=["?", N/A]',
        "timezone=Europe/Berlin",
        "engine.memory_limit=512MB",
    )
    settings = load_settings(write_config(tmp_path, HELPDESK), overrides)
    assert settings.engine.threads == 4
    assert settings.sources[0].null_markers == ["?", "N/A"]
    assert settings.timezone == "Europe/Berlin"
    assert settings.engine.memory_limit == "512MB"


def test_set_by_source_name_keeps_the_rest(tmp_path: Path) -> None:
    overrides = ("sources.helpdesk.timezone=UTC", "sources.helpdesk.date_format=%d/%m/%Y %H:%M")
    source = load_settings(write_config(tmp_path, HELPDESK), overrides).sources[0]
    assert (source.timezone, source.date_format) == ("UTC", "%d/%m/%Y %H:%M")
    assert (source.format, source.path) == ("tickets", "exports/*.csv")


def test_set_adds_a_status_to_the_defaults(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, ("statuses.Triage=open",))
    assert settings.status_category("triage") == "open"
    assert settings.status_category("Solved") == "resolved"


def test_set_adds_a_target_for_a_new_priority(tmp_path: Path) -> None:
    overrides = (
        "priorities.levels=[P1, P2, P3, P4, P5]",
        "targets.P5={response_hours: 24, resolution_hours: 240}",
    )
    assert load_settings(tmp_path, overrides).targets["P5"].resolution_hours == 240


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("foo", "--set 'foo': expected KEY=VALUE"),
        ("=1", "--set '=1': expected KEY=VALUE"),
        ("engine..threads=2", "--set engine..threads=2: empty part"),
        ("foo.bar=1", "--set foo.bar=1: unknown setting 'foo'"),
        ("engine.foo=1", "--set engine.foo=1: unknown setting 'engine.foo'"),
        ("timezone.x=1", "--set timezone.x=1: 'timezone' has no sub-settings"),
        ("sources.5.timezone=UTC", "--set sources.5.timezone=UTC: no entry 5 in 'sources'"),
        ("sources.nope.timezone=UTC", "no entry named 'nope' in 'sources' (known: helpdesk)"),
        (
            "engine.threads=abc",
            "--set engine.threads=abc: engine.threads: Input should be a valid integer",
        ),
        ("sources.helpdesk.format=xml", "--set sources.helpdesk.format=xml: sources[0].format:"),
        ("statuses.Triage=maybe", "--set statuses.Triage=maybe: statuses.Triage:"),
        ("priorities.levels=[A, B]", "--set priorities.levels=[A, B]: priorities.aliases:"),
    ],
)
def test_bad_set(tmp_path: Path, override: str, expected: str) -> None:
    assert expected in config_error(write_config(tmp_path, HELPDESK), (override,))


def test_set_error_names_the_responsible_override(tmp_path: Path) -> None:
    message = config_error(tmp_path, ("engine.threads=8", "engine.threads=0", "timezone=UTC"))
    assert message.startswith("--set engine.threads=0: engine.threads:")


def test_file_errors_are_reported_before_overrides(tmp_path: Path) -> None:
    message = config_error(write_config(tmp_path, "engine: {threads: 0}\n"), ("timezone=UTC",))
    assert message.startswith(f"{CONFIG_FILE}: engine.threads:")


# ---------------------------------------------------------------- lookups


@pytest.mark.parametrize(
    ("label", "category"),
    [
        ("Open", "open"),
        ("  in progress ", "open"),
        ("AWAITING CUSTOMER", "pending"),
        ("On Hold", "on_hold"),
        ("canceled", "cancelled"),
        ("Escalated", "unknown"),
        ("", "unknown"),
    ],
)
def test_status_category(label: str, category: str) -> None:
    assert Settings().status_category(label) == category


@pytest.mark.parametrize(
    ("raw", "level"),
    [
        ("1 - Critical", "P1"),
        ("urgent", "P1"),
        (" HIGH ", "P2"),
        ("normal", "P3"),
        ("3", "P3"),
        ("p4", "P4"),
        ("Whenever", "unknown"),
        (None, "unknown"),
    ],
)
def test_normalise_priority(raw: str | None, level: str) -> None:
    assert Settings().normalise_priority(raw) == level


def test_custom_levels_match_themselves(tmp_path: Path) -> None:
    text = "priorities:\n  levels: [Sev1, Sev2]\n  aliases: {Major: Sev1}\ntargets: {}\n"
    settings = load_settings(write_config(tmp_path, text))
    assert [settings.normalise_priority(raw) for raw in ("sev2", "major", "P1")] == [
        "Sev2",
        "Sev1",
        "unknown",
    ]


def test_aging_bucket_labels() -> None:
    assert Settings().aging_bucket_labels() == ["0-1d", "1-3d", "3-7d", "7-30d", ">30d"]


# ---------------------------------------------------------------- paths


def test_relative_paths_resolve_against_the_project(tmp_path: Path) -> None:
    settings = Settings()
    assert settings.lake_uri(tmp_path) == (tmp_path / "lake").as_uri()
    assert settings.warehouse_path(tmp_path) == tmp_path / "warehouse" / "ticketlake.duckdb"
    assert settings.logs_path(tmp_path) == tmp_path / "logs"


def test_absolute_and_file_uri_lakes(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere lake"
    for lake in (str(elsewhere), elsewhere.as_uri()):
        settings = Settings(paths=Paths(lake=lake))
        assert settings.lake_uri(tmp_path / "project") == elsewhere.as_uri()


def test_s3_lake_is_unchanged(tmp_path: Path) -> None:
    settings = Settings(paths=Paths(lake="s3://bucket/prefix"))
    assert settings.lake_uri(tmp_path) == "s3://bucket/prefix"


@pytest.mark.parametrize("lake", ["http://host/lake", "gs://bucket/lake", "ftp://x"])
def test_other_lake_schemes_are_rejected(tmp_path: Path, lake: str) -> None:
    message = config_error(write_config(tmp_path, f"paths:\n  lake: {lake}\n"))
    assert "paths.lake: unsupported scheme" in message


@pytest.fixture
def a_file(tmp_path: Path) -> Path:
    """An ordinary file where a setting may wrongly point."""
    path = tmp_path / "a_file"
    path.write_text("not a folder\n")
    return path


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("lake", "/dev/null", "/dev/null is not a folder (it is a character device)"),
        ("lake", "file:///dev/null", "/dev/null is not a folder (it is a character device)"),
        ("lake", "{file}", "{file} is not a folder (it is a file)"),
        ("lake", "/dev/null/lake", "/dev/null/lake: /dev/null is not a folder"),
        ("logs", "{file}", "{file} is not a folder (it is a file)"),
        ("logs", "{file}/sub", "{file}/sub: {file} is not a folder"),
        ("warehouse", "{tmp}", "{tmp} is a folder, not a file"),
        ("warehouse", "/dev/null", "/dev/null is not a regular file (it is a character device)"),
        ("warehouse", "/dev/null/w.duckdb", "/dev/null/w.duckdb: /dev/null is not a folder"),
    ],
)
def test_unusable_path_is_a_config_error_naming_key_and_path(
    tmp_path: Path, a_file: Path, key: str, value: str, problem: str
) -> None:
    """A path of the wrong kind is found when the settings are loaded, from the file or --set."""
    value, problem = (
        text.format(file=a_file, tmp=tmp_path / "a_folder") for text in (value, problem)
    )
    (tmp_path / "a_folder").mkdir()
    project = tmp_path / "project"
    project.mkdir()
    from_file = config_error(write_config(project, f"paths:\n  {key}: '{value}'\n"))
    assert from_file == f"{CONFIG_FILE}: paths.{key}: {problem}"
    (project / CONFIG_FILE).unlink()
    from_set = config_error(project, ("timezone=UTC", f"paths.{key}={value}"))
    assert from_set == f"--set paths.{key}={value}: paths.{key}: {problem}"


def test_relative_unusable_path_names_the_resolved_path(tmp_path: Path) -> None:
    (tmp_path / "lake").write_text("")
    problem = f"{tmp_path / 'lake'} is not a folder (it is a file)"
    assert config_error(tmp_path) == f"{CONFIG_FILE}: paths.lake: {problem}"


def test_usable_paths_load(tmp_path: Path) -> None:
    """Folders that exist or can be created, a warehouse file to be made, an s3:// lake."""
    (tmp_path / "lake").mkdir()
    overrides = ("paths.logs=new/logs", "paths.warehouse=w/h/ticketlake.duckdb")
    settings = load_settings(tmp_path, overrides)
    assert settings.logs_path(tmp_path) == tmp_path / "new" / "logs"
    assert load_settings(tmp_path, ("paths.lake=s3://bucket/prefix",)).paths.lake.startswith("s3")


# ---------------------------------------------------------------- documentation


def test_every_setting_has_a_description() -> None:
    for key, _type, _default, description in settings_reference():
        assert description, f"{key} has no description"
        assert "\n" not in description, f"{key}: description must be one line"


def test_every_setting_is_documented() -> None:
    docs = DOCS.read_text(encoding="utf-8")
    missing = [key for key, *_ in settings_reference() if f"`{key}`" not in docs]
    assert not missing, f"settings missing from docs/configuration.md: {missing}"


@pytest.mark.parametrize(
    ("budget", "duckdb", "ingest", "build"),
    [("2GB", "1.4GB", "1.2GB", "1GB"), ("512 MB", "358.4MB", "307.2MB", "256MB"),
     ("1.5GiB", "1.05GiB", "0.9GiB", "0.75GiB"), ("75%", "52.5%", "45%", "37.5%")],
)  # fmt: skip
def test_duckdb_gets_its_share_of_the_memory_budget(
    budget: str, duckdb: str, ingest: str, build: str
) -> None:
    """The process budget covers Python and Arrow too: DuckDB's own limit is 70% of it for a
    query, 60% for an ingest and 50% for a build (which keep more outside DuckDB)."""
    engine = Settings.model_validate({"engine": {"memory_limit": budget, "threads": 3}}).engine
    assert engine.duckdb_config() == {"memory_limit": duckdb, "threads": 3}
    assert engine.duckdb_config(DUCKDB_INGEST_SHARE) == {"memory_limit": ingest, "threads": 3}
    assert engine.duckdb_config(DUCKDB_BUILD_SHARE) == {"memory_limit": build, "threads": 3}


# ---------------------------------------------------------------- business calendars

DESK = "calendars:\n  desk:\n    timezone: Europe/Berlin\n"


def test_a_calendar_is_read() -> None:
    settings = Settings.model_validate({"calendars": {"desk": {
        "hours": {"mon-fri": ["08:00-12:00", "13:00-18:00"], "sat": ["22:00-06:00"]},
        "holidays": {"country": "DE", "subdivision": "BE"},
        "closed": ["2024-12-24 13:00-24:00", "2024-12-31", "2024-12-27..2024-12-28"],
        "changes": [{"since": "2025-03-01", "hours": {"daily": ["00:00-24:00"]}}],
    }}})  # fmt: skip
    calendar, zone = settings.business_calendars()["desk"]
    assert zone == "UTC" and list(settings.business_calendars()) == ["24/7", "desk"]
    assert calendar.week_on(date(2025, 2, 28))[0] == ((480, 720), (780, 1080))
    assert calendar.week_on(date(2025, 2, 28))[5] == ((1320, 1800),)  # overnight: 06:00 + 24 h
    assert calendar.week_on(date(2025, 2, 28))[6] == ()
    assert calendar.week_on(date(2025, 3, 1))[6] == ((0, 1440),)
    assert calendar.closures[0][2:] == (780, 1440)


def test_yaml_dates_in_closed_are_read(tmp_path: Path) -> None:
    text = DESK + "    hours: {daily: ['09:00-17:00']}\n    closed: [2024-12-31]\n"
    settings = load_settings(write_config(tmp_path, text))
    assert settings.calendars["desk"].closed == ["2024-12-31"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "    hours: {mon: ['8-18']}\n",
            "calendars.desk.hours: mon: '8-18' is not a window HH:MM-HH:MM",
        ),
        (
            "    hours: {mon: ['09:00-09:00']}\n",
            "calendars.desk.hours: mon: '09:00-09:00' opens and closes at the same time",
        ),
        (
            "    hours: {mon: ['24:00-02:00']}\n",
            "calendars.desk.hours: mon: '24:00-02:00': a window",
        ),
        ("    hours: {monday: ['09:00-17:00']}\n", "calendars.desk.hours: 'monday' is not a day"),
        ("    hours: {fri-mon: ['09:00-17:00']}\n", "calendars.desk.hours: 'fri-mon': a range"),
        (
            "    hours: {mon-fri: ['09:00-17:00'], tue: []}\n",
            "calendars.desk.hours: tue is given twice (in mon-fri and tue)",
        ),
        (
            "    hours: {}\n    holidays: {country: XX}\n",
            "calendars.desk.holidays: unknown holiday country 'XX'",
        ),
        (
            "    hours: {}\n    holidays: {country: DE, subdivision: ZZ}\n",
            "calendars.desk.holidays: 'ZZ' is not a subdivision of DE",
        ),
        (
            "    hours: {}\n    closed: ['2024-02-30']\n",
            "calendars.desk.closed: '2024-02-30': no such date",
        ),
        (
            "    hours: {}\n    closed: ['24 Dec']\n",
            "calendars.desk.closed: '24 Dec' is not a date",
        ),
        (
            "    hours: {}\n    closed: ['2024-12-24 22:00-02:00']\n",
            "calendars.desk.closed: '2024-12-24 22:00-02:00': a part-day closure ends by 24:00",
        ),
        (
            "    hours: {}\n    changes: [{since: 2025-02-01, hours: {}}, {since: 2025-01-01, hours: {}}]\n",
            "calendars.desk.changes: changes must be in date order",
        ),
        ("    hours: {}\n    opening: {}\n", "calendars.desk.opening: unknown setting"),
        (
            "    timezone: Mars/Base\n    hours: {}\n",
            "calendars.desk.timezone: unknown time zone 'Mars/Base'",
        ),
    ],
)
def test_calendar_errors_name_the_key(tmp_path: Path, body: str, expected: str) -> None:
    text = "calendars:\n  desk:\n" + body
    assert expected in config_error(write_config(tmp_path, text))


def test_the_built_in_calendar_cannot_be_redefined(tmp_path: Path) -> None:
    text = "calendars:\n  24/7:\n    hours: {}\n"
    assert "calendars: '24/7' is built in" in config_error(write_config(tmp_path, text))


def test_calendar_names_are_identifiers(tmp_path: Path) -> None:
    text = "calendars:\n  Support Desk:\n    hours: {}\n"
    assert "invalid calendar name 'Support Desk'" in config_error(write_config(tmp_path, text))


def test_a_calendar_is_changed_with_set(tmp_path: Path) -> None:
    write_config(tmp_path, DESK + "    hours: {daily: ['09:00-17:00']}\n")
    settings = load_settings(tmp_path, ("calendars.desk.timezone=America/New_York",))
    assert settings.business_calendars()["desk"][1] == "America/New_York"


# ---------------------------------------------------------------- SLA policies


def test_policies_end_with_the_default_from_targets() -> None:
    settings = Settings.model_validate({"sla_policies": [
        {"name": "gold", "when": {"customer": "ACME"}, "resolution": {"hours": 8}}]})  # fmt: skip
    gold, default = settings.policies()
    assert gold.when.customer == ["ACME"] and list(gold.clocks()) == ["resolution"]
    assert gold.clocks()["resolution"].hours_by_priority(["P1"]) == {"P1": 8, "unknown": 8}
    assert default.name == "default" and default.when.customer == []
    assert default.clocks()["response"].hours == {"P1": 0.5, "P2": 1, "P3": 4, "P4": 8}
    assert default.clocks()["resolution"].calendar == "24/7"
    assert default.clocks()["resolution"].pauses("resolution") == ("pending", "on_hold")
    assert default.clocks()["response"].pauses("response") == ()
    assert settings.sla_priority == "start"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("  - {name: a, resolution: {hours: 8, calendar: desk}}\n", "unknown calendar 'desk'"),
        (
            "  - {name: a, resolution: {hours: {P9: 8}}}\n",
            "a.resolution.hours: unknown priority 'P9'",
        ),
        ("  - {name: a, when: {priority: P9}}\n", "a.when.priority: unknown priority 'P9'"),
        ("  - {name: a}\n  - {name: a}\n", "policy 'a' is given twice"),
        ("  - {name: default}\n", "'default' is built in from targets"),
        ("  - {name: Gold}\n", "invalid policy name 'Gold'"),
        ("  - {name: a, resolution: {hours: 0}}\n", "hours must be greater than 0"),
        (
            "  - {name: a, resolution: {hours: 1, paused_by: [waiting]}}\n",
            "sla_policies[0].resolution.paused_by[0]",
        ),
        ("  - {name: a, when: {agent: x}}\n", "sla_policies[0].when.agent: unknown setting"),
    ],
)
def test_policy_errors_name_the_key(tmp_path: Path, body: str, expected: str) -> None:
    assert expected in config_error(write_config(tmp_path, "sla_policies:\n" + body))


def test_sla_priority_is_start_or_current(tmp_path: Path) -> None:
    assert "sla_priority" in config_error(write_config(tmp_path, "sla_priority: latest\n"))
