"""Configuration: defaults of DESIGN.md, one clear sentence per bad value or
unknown variable, every setting declared once and documented, the secret
generated once."""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from collector.config import SETTINGS, ConfigError, Settings, load_settings

REPO = Path(__file__).resolve().parent.parent


def test_defaults_match_design():
    settings = load_settings({})
    assert settings.database_url is None
    assert settings.data_dir == Path("./peil-data").absolute()
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.geoip_db is None
    assert settings.retention_days == 183
    assert (settings.ipv4_prefix, settings.ipv6_prefix) == (24, 48)
    assert settings.trusted_proxies == ()
    assert settings.public_url == "http://127.0.0.1:8000"


def test_values_are_parsed(tmp_path):
    geoip = tmp_path / "geo.mmdb"
    geoip.write_bytes(b"x")
    settings = load_settings(
        {
            "PEIL_PORT": "9000",
            "PEIL_IPV4_PREFIX": "0",
            "PEIL_IPV6_PREFIX": "64",
            "PEIL_TRUSTED_PROXIES": "10.0.0.0/8, 2001:db8::/32",
            "PEIL_GEOIP_DB": str(geoip),
            "PEIL_RETENTION_DAYS": "30",
            "PEIL_DATA_DIR": str(tmp_path),
            "PEIL_DATABASE_URL": "postgresql://u:p@db:5432/peil",
            "PEIL_PUBLIC_URL": "https://stats.example.nl/",
        }
    )
    assert settings.port == 9000
    assert settings.ipv4_prefix == 0 and settings.ipv6_prefix == 64
    assert settings.trusted_proxies == (
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("2001:db8::/32"),
    )
    assert settings.geoip_db == geoip
    assert settings.retention_days == 30
    assert settings.public_url == "https://stats.example.nl"


def test_overrides_win_over_environment():
    settings = load_settings({"PEIL_PORT": "9000"}, port=9100, host=None)
    assert settings.port == 9100 and settings.host == "127.0.0.1"


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("PEIL_PORT", "abc", "PEIL_PORT must be a whole number from 1 to 65535, not 'abc'."),
        ("PEIL_PORT", "70000", "PEIL_PORT must be a whole number from 1 to 65535, not 70000."),
        ("PEIL_IPV4_PREFIX", "40", "PEIL_IPV4_PREFIX must be a whole number from 0 to 32, not 40."),
        (
            "PEIL_IPV6_PREFIX",
            "-1",
            "PEIL_IPV6_PREFIX must be a whole number from 0 to 128, not -1.",
        ),
        ("PEIL_RETENTION_DAYS", "0", "PEIL_RETENTION_DAYS must be a whole number from 1 to 36500"),
        ("PEIL_GEOIP_DB", "/nonexistent/geo.mmdb", "PEIL_GEOIP_DB must be a readable MaxMind"),
        ("PEIL_TRUSTED_PROXIES", "10.0.0.0/8, proxy.local", "'proxy.local' is not one."),
        ("PEIL_DATABASE_URL", "mysql://x", "PEIL_DATABASE_URL must be a postgresql://"),
        ("PEIL_PUBLIC_URL", "stats.example.nl", "PEIL_PUBLIC_URL must start with http://"),
        ("PEIL_SECRET_KEY", "short", "PEIL_SECRET_KEY must be at least 32 characters long."),
        ("PEIL_LOG_LEVEL", "loud", "PEIL_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR"),
    ],
)
def test_bad_value_is_one_sentence_naming_the_variable(variable, value, says):
    with pytest.raises(ConfigError) as caught:
        load_settings({variable: value})
    message = str(caught.value)
    assert message.startswith(variable)
    assert says in message
    assert message.endswith(".") and "\n" not in message


def test_data_dir_that_is_a_file_is_refused(tmp_path):
    file = tmp_path / "file"
    file.write_text("")
    with pytest.raises(ConfigError, match="PEIL_DATA_DIR must be a directory"):
        load_settings({"PEIL_DATA_DIR": str(file)})


def test_every_setting_is_declared_once_as_a_field_without_default():
    fields = dataclasses.fields(Settings)
    assert [f.name for f in fields] == [setting.attribute for setting in SETTINGS]
    assert all(f.default is dataclasses.MISSING for f in fields)
    assert all(f.default_factory is dataclasses.MISSING for f in fields)
    variables = [setting.variable for setting in SETTINGS]
    assert len(set(variables)) == len(variables)
    assert all(re.fullmatch(r"PEIL_[A-Z0-9_]+", variable) for variable in variables)
    assert all(setting.help and "\n" not in setting.help for setting in SETTINGS)


def test_replace_keeps_working():
    settings = load_settings({})
    assert dataclasses.replace(settings, port=9000).port == 9000


@pytest.mark.parametrize(
    ("variable", "closest"),
    [
        ("PEIL_RETENTON_DAYS", "PEIL_RETENTION_DAYS"),
        ("PEIL_DATABSE_URL", "PEIL_DATABASE_URL"),
        ("PEIL_port", "PEIL_PORT"),
        ("PEIL_LOGLEVEL", "PEIL_LOG_LEVEL"),
        ("PEIL_SECRET", "PEIL_SECRET_KEY"),
    ],
)
def test_unknown_variable_names_the_closest_setting(variable, closest):
    with pytest.raises(ConfigError) as caught:
        load_settings({variable: "7"})
    assert str(caught.value) == f"{variable} is not a Peil setting; did you mean {closest}?"


@pytest.mark.parametrize("variable", ["PEIL_BATCH", "PEIL_SITE", "PEIL_WORKERS", "PEIL_"])
def test_unknown_variable_far_from_any_setting_points_to_peil_config(variable):
    with pytest.raises(ConfigError) as caught:
        load_settings({variable: "1"})
    assert str(caught.value) == (
        f"{variable} is not a Peil setting, nor close to one (`peil config` lists them all)."
    )


def test_only_the_peil_prefix_is_checked():
    assert load_settings({"PEILX": "1", "peil_port": "1", "HOME": "/"}).port == 8000


def test_unknown_variable_stops_even_with_every_value_fine():
    with pytest.raises(ConfigError, match="PEIL_RETENTON_DAYS"):
        load_settings({"PEIL_RETENTION_DAYS": "30", "PEIL_RETENTON_DAYS": "7"})


def readme_configuration_rows() -> dict[str, str]:
    """The README's configuration table: each PEIL_ variable and its default cell."""
    readme = (REPO / "README.md").read_text()
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) >= 2:
            for variable in re.findall(r"`(PEIL_[A-Z0-9_]+)`", cells[0]):
                rows[variable] = cells[1]
    return rows


def test_the_readme_table_lists_exactly_the_settings():
    rows = readme_configuration_rows()
    assert sorted(rows) == sorted(setting.variable for setting in SETTINGS)


def test_the_readme_table_has_the_declared_defaults():
    rows = readme_configuration_rows()
    for setting in SETTINGS:
        if setting.default:
            assert rows[setting.variable] == f"`{setting.default}`", setting.variable
        elif setting.default == "":
            assert rows[setting.variable] == "empty", setting.variable


def test_secret_is_generated_once_private_and_reused(tmp_path):
    settings = load_settings({"PEIL_DATA_DIR": str(tmp_path / "data")})
    first = settings.secret_key()
    assert len(first) >= 32
    path = tmp_path / "data" / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_settings({"PEIL_DATA_DIR": str(tmp_path / "data")}).secret_key() == first


def test_concurrent_first_start_agrees_on_one_secret(tmp_path):
    settings = load_settings({"PEIL_DATA_DIR": str(tmp_path)})
    with ThreadPoolExecutor(8) as pool:
        secrets = set(pool.map(lambda _: settings.secret_key(), range(32)))
    assert len(secrets) == 1
    assert sorted(os.listdir(tmp_path)) == ["secret_key"]  # no temp files left


def test_secret_key_variable_wins(tmp_path):
    settings = load_settings({"PEIL_DATA_DIR": str(tmp_path), "PEIL_SECRET_KEY": "k" * 40})
    assert settings.secret_key() == b"k" * 40
    assert not (tmp_path / "secret_key").exists()
