"""All runtime configuration, read from the environment in one place.

Every setting is declared once below as (variable, default, help, parser).
`load_settings()` parses and validates all of them up front, so a bad value
stops start-up with one sentence that names the variable and what is allowed,
instead of failing later in the middle of serving traffic.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any

from collector.errors import PeilError


class ConfigError(PeilError):
    """A configuration value is missing or not allowed."""


@dataclass(frozen=True)
class Setting:
    variable: str
    default: str | None
    help: str
    parse: Callable[[str, str], Any]
    attribute: str


def _parse_str(variable: str, raw: str) -> str:
    return raw


def _parse_optional_str(variable: str, raw: str) -> str | None:
    return raw or None


def _int_between(low: int, high: int) -> Callable[[str, str], int]:
    def parse(variable: str, raw: str) -> int:
        try:
            value = int(raw.strip())
        except ValueError:
            raise ConfigError(
                f"{variable} must be a whole number from {low} to {high}, not {raw!r}."
            ) from None
        if not low <= value <= high:
            raise ConfigError(
                f"{variable} must be a whole number from {low} to {high}, not {value}."
            )
        return value

    return parse


def _parse_data_dir(variable: str, raw: str) -> Path:
    if not raw.strip():
        raise ConfigError(f"{variable} must be a directory path, not empty.")
    path = Path(raw).expanduser().absolute()
    if path.exists() and not path.is_dir():
        raise ConfigError(f"{variable} must be a directory, but {path} is a file.")
    return path


def _parse_geoip_db(variable: str, raw: str) -> Path | None:
    if not raw:
        return None
    path = Path(raw).expanduser()
    if not path.is_file() or not os.access(path, os.R_OK):
        raise ConfigError(
            f"{variable} must be a readable MaxMind .mmdb file, but {path} cannot be read."
        )
    return path


def _parse_database_url(variable: str, raw: str) -> str | None:
    if not raw:
        return None
    if not raw.startswith(("postgresql://", "postgres://")):
        raise ConfigError(
            f"{variable} must be a postgresql://user:password@host:port/database URL."
        )
    return raw


def _parse_networks(
    variable: str, raw: str
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    networks = []
    for part in raw.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ConfigError(
                f"{variable} must be a comma-separated list of addresses or CIDRs "
                f"such as 10.0.0.0/8, but {part!r} is not one."
            ) from None
    return tuple(networks)


def _parse_public_url(variable: str, raw: str) -> str | None:
    if not raw:
        return None
    if not raw.startswith(("http://", "https://")):
        raise ConfigError(
            f"{variable} must start with http:// or https://, as in https://stats.example.nl."
        )
    return raw.rstrip("/")


def _parse_secret(variable: str, raw: str) -> str | None:
    if not raw:
        return None
    if len(raw) < 32:
        raise ConfigError(f"{variable} must be at least 32 characters long.")
    return raw


def _parse_optional_days(variable: str, raw: str) -> int | None:
    if not raw.strip() or raw.strip().lower() == "forever":
        return None
    return _int_between(1, 36500)(variable, raw)


def _parse_purge_at(variable: str, raw: str) -> time | None:
    text = raw.strip().lower()
    if text == "off":
        return None
    match = _CLOCK_TIME.match(text)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ConfigError(
            f"{variable} must be a UTC time of day such as 03:30, or off, not {raw!r}."
        )
    return time(int(match[1]), int(match[2]))


_CLOCK_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


def _parse_log_level(variable: str, raw: str) -> str:
    level = raw.strip().upper()
    if level not in _LOG_LEVELS:
        raise ConfigError(f"{variable} must be one of {', '.join(_LOG_LEVELS)}, not {raw!r}.")
    return level


_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def _parse_durability(variable: str, raw: str) -> str:
    mode = raw.strip().lower()
    if mode not in ("fsync", "memory"):
        raise ConfigError(f"{variable} must be fsync or memory, not {raw!r}.")
    return mode


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "PEIL_DATABASE_URL",
        None,
        "PostgreSQL URL; unset: start or reuse the embedded PostgreSQL in PEIL_DATA_DIR",
        _parse_database_url,
        "database_url",
    ),
    Setting(
        "PEIL_DATA_DIR",
        "./peil-data",
        "embedded database, spool and generated secret",
        _parse_data_dir,
        "data_dir",
    ),
    Setting(
        "PEIL_PUBLIC_URL",
        None,
        "URL under which sites and browsers reach Peil (used in the snippet);"
        " unset: http://PEIL_HOST:PEIL_PORT",
        _parse_public_url,
        "public_url_override",
    ),
    Setting("PEIL_HOST", "127.0.0.1", "address to listen on", _parse_str, "host"),
    Setting("PEIL_PORT", "8000", "port to listen on", _int_between(1, 65535), "port"),
    Setting(
        "PEIL_GEOIP_DB",
        None,
        "MaxMind-format .mmdb file (GeoLite2/GeoIP2 City or Country, or geo-whois-asn-country);"
        " unset: no geolocation",
        _parse_geoip_db,
        "geoip_db",
    ),
    Setting(
        "PEIL_RETENTION_DAYS",
        "183",
        "days raw events are kept (six months)",
        _int_between(1, 36500),
        "retention_days",
    ),
    Setting(
        "PEIL_AGGREGATE_RETENTION_DAYS",
        None,
        "days aggregates (rollups, which hold no per-visitor values) are kept;"
        " unset or forever: kept forever",
        _parse_optional_days,
        "aggregate_retention_days",
    ),
    Setting(
        "PEIL_PURGE_AT",
        "03:30",
        "UTC time of day at which `peil serve` runs the purge by itself; off: never"
        " (schedule `peil purge` with cron or a systemd timer instead)",
        _parse_purge_at,
        "purge_at",
    ),
    Setting(
        "PEIL_IPV4_PREFIX",
        "24",
        "bits of an IPv4 address kept; 0 stores no address",
        _int_between(0, 32),
        "ipv4_prefix",
    ),
    Setting(
        "PEIL_IPV6_PREFIX",
        "48",
        "bits of an IPv6 address kept; 0 stores no address",
        _int_between(0, 128),
        "ipv6_prefix",
    ),
    Setting(
        "PEIL_TRUSTED_PROXIES",
        "",
        "CIDRs of proxies whose X-Forwarded-For is believed; empty: ignore the header",
        _parse_networks,
        "trusted_proxies",
    ),
    Setting(
        "PEIL_SECRET_KEY",
        None,
        "secret for sessions and hashes (at least 32 characters); unset: generated once"
        " into PEIL_DATA_DIR",
        _parse_secret,
        "secret_key_override",
    ),
    Setting(
        "PEIL_RATE_LIMIT",
        "50",
        "ingest requests per second one address may send (bursts of 4x allowed); 0: no limit",
        _int_between(0, 1_000_000),
        "rate_limit",
    ),
    Setting(
        "PEIL_DURABILITY",
        "fsync",
        "fsync: an event is answered 202 only once it is synced to the spool on disk;"
        " memory: answered at once, written to the spool a moment later (a crash of the"
        " process can lose that moment)",
        _parse_durability,
        "durability",
    ),
    Setting(
        "PEIL_SPOOL_MAX_MB",
        "1024",
        "size of the on-disk spool (all workers together) that holds events PostgreSQL does"
        " not have yet; when full, ingest answers 503 with Retry-After",
        _int_between(1, 10_000_000),
        "spool_max_mb",
    ),
    Setting(
        "PEIL_QUEUE_MAX",
        "100000",
        "events a worker keeps in memory for the writer; beyond it they wait in the spool only",
        _int_between(1000, 10_000_000),
        "queue_max",
    ),
    Setting(
        "PEIL_LOG_LEVEL",
        "INFO",
        "DEBUG, INFO, WARNING or ERROR; INFO logs start, stop and problems, one line each",
        _parse_log_level,
        "log_level",
    ),
)


@dataclass(frozen=True)
class Settings:
    database_url: str | None
    data_dir: Path
    host: str
    port: int
    geoip_db: Path | None
    retention_days: int
    ipv4_prefix: int
    ipv6_prefix: int
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = field(
        default_factory=tuple
    )
    secret_key_override: str | None = None
    public_url_override: str | None = None
    log_level: str = "INFO"
    rate_limit: int = 50
    queue_max: int = 100_000
    durability: str = "fsync"
    spool_max_mb: int = 1024
    aggregate_retention_days: int | None = None
    purge_at: time | None = time(3, 30)

    @property
    def public_url(self) -> str:
        if self.public_url_override:
            return self.public_url_override
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def postgres_dir(self) -> Path:
        return self.data_dir / "postgres"

    @property
    def spool_dir(self) -> Path:
        return self.data_dir / "spool"

    def secret_key(self) -> bytes:
        """The instance secret: PEIL_SECRET_KEY, or one generated once into the data dir."""
        if self.secret_key_override:
            return self.secret_key_override.encode()
        return _load_or_create_secret(self.data_dir / "secret_key")


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Parse every PEIL_* variable; raise ConfigError naming the first bad one.

    `overrides` replace parsed values (command-line flags such as --port win
    over the environment).
    """
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = environ.get(setting.variable)
        if raw is None:
            raw = setting.default or ""
        values[setting.attribute] = setting.parse(setting.variable, raw)
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(**values)


def _load_or_create_secret(path: Path) -> bytes:
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(secrets.token_urlsafe(48).encode() + b"\n")
        f.flush()
        os.fsync(f.fileno())
    # link() refuses to replace: when two workers start at once, the first
    # secret written wins and both read the same one.
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_bytes().strip()
