"""All runtime configuration, read from the environment in one place.

Every setting is declared once, as a field of `Settings` that carries its
variable, default, help, parser and how `peil config` shows it; `SETTINGS`
lists them in that order. `load_settings()` parses and validates all of them
up front, so a bad value, or a `PEIL_*` variable that is no setting (a typo),
stops start-up with one sentence, instead of failing later in the middle of
serving traffic or silently falling back to a default.
"""

from __future__ import annotations

import difflib
import functools
import ipaddress
import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus, urlsplit, urlunsplit

from collector.errors import PeilError


class ConfigError(PeilError):
    """A configuration value is missing or not allowed."""


@dataclass(frozen=True)
class Setting:
    variable: str
    default: str | None  # the raw text parsed when the variable is unset; None: unset
    help: str
    parse: Callable[[str, str], Any]
    attribute: str
    show: Callable[[Any, Settings], str]  # the value for `peil config`, secrets masked

    def read(self, environ: Mapping[str, str]) -> Any:
        """This setting's value in `environ`, or its default; ConfigError if not allowed."""
        raw = environ.get(self.variable)
        if raw is None:
            raw = self.default or ""
        return self.parse(self.variable, raw)


def _parse_str(variable: str, raw: str) -> str:
    return raw


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


def _url(
    schemes: tuple[str, ...], must: str, *, strip_slash: bool = False
) -> Callable[[str, str], str | None]:
    """A parser of an optional URL that must start with one of `schemes`."""

    def parse(variable: str, raw: str) -> str | None:
        if not raw:
            return None
        if not raw.startswith(schemes):
            raise ConfigError(f"{variable} must {must}.")
        return raw.rstrip("/") if strip_slash else raw

    return parse


_parse_database_url = _url(
    ("postgresql://", "postgres://"), "be a postgresql://user:password@host:port/database URL"
)
_parse_public_url = _url(
    ("http://", "https://"),
    "start with http:// or https://, as in https://stats.example.nl",
    strip_slash=True,
)


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


def _parse_hosts(variable: str, raw: str) -> tuple[str, ...]:
    hosts = []
    for part in raw.split(","):
        host = part.strip().lower()
        if not host:
            continue
        if not _HOST.match(host):
            raise ConfigError(
                f"{variable} must be a comma-separated list of host names such as"
                f" stats.example.nl, but {part.strip()!r} is not one."
            )
        hosts.append(host)
    return tuple(hosts)


_HOST = re.compile(r"^(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9.-]*[a-z0-9])?)$")


def _parse_names(variable: str, raw: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))
    for name in names:
        if not _QUERY_NAME.match(name):
            raise ConfigError(
                f"{variable} must be a comma-separated list of query parameter names such as"
                f" utm_source,ref, but {name!r} is not one."
            )
    return names


_QUERY_NAME = re.compile(r"^[A-Za-z0-9_.\-\[\]]{1,100}$")


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


def _show(value: Any, settings: Settings) -> str:
    if value is None:
        return "unset"
    if isinstance(value, tuple):
        return ", ".join(map(str, value)) or "empty"
    return str(value)


def mask_url(url: str) -> str:
    """The URL with any password (user info or query parameter) replaced by ***.
    Never raises: a URL that cannot be parsed is shown as its scheme only."""
    try:
        parts = urlsplit(url)
    except ValueError:  # "Invalid IPv6 URL": its password may be anywhere
        return f"{url.partition(':')[0][:16]}://(a URL that cannot be parsed)"
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        if ":" in userinfo:
            netloc = f"{userinfo.split(':', 1)[0]}:***@{host}"
    # The key as libpq and asyncpg read it: pass%77ord is password too.
    query = "&".join(
        f"{pair.split('=', 1)[0]}=***"
        if "password" in unquote_plus(pair.split("=", 1)[0]).lower()
        else pair
        for pair in parts.query.split("&")
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query if parts.query else "", ""))


def _declare(
    variable: str,
    default: str | None,
    help: str,
    parse: Callable[[str, str], Any],
    show: Callable[[Any, Settings], str] = _show,
) -> dict[str, Any]:
    """The metadata that makes a `Settings` field a setting."""
    return {_SETTING: dict(variable=variable, default=default, help=help, parse=parse, show=show)}


_SETTING = "peil.setting"


@dataclass(frozen=True)
class Settings:
    """Every setting, once; no field has a default, `load_settings` sets them all."""

    database_url: str | None = field(
        metadata=_declare(
            "PEIL_DATABASE_URL",
            None,
            "PostgreSQL URL; unset: start or reuse the embedded PostgreSQL in PEIL_DATA_DIR",
            _parse_database_url,
            lambda url, s: (
                mask_url(url) if url else f"unset: embedded PostgreSQL in {s.postgres_dir}"
            ),
        )
    )
    read_database_url: str | None = field(
        metadata=_declare(
            "PEIL_READ_DATABASE_URL",
            None,
            "hot standby of PEIL_DATABASE_URL for dashboard and stats API reads (the primary"
            " serves them while it is unreachable); unset: reads go where writes go",
            _parse_database_url,
            lambda url, s: mask_url(url) if url else "unset: reads go to the primary",
        )
    )
    data_dir: Path = field(
        metadata=_declare(
            "PEIL_DATA_DIR",
            "./peil-data",
            "embedded database, spool and generated secret",
            _parse_data_dir,
        )
    )
    public_url_override: str | None = field(
        metadata=_declare(
            "PEIL_PUBLIC_URL",
            None,
            "URL under which sites and browsers reach Peil (used in the snippet);"
            " unset: http://PEIL_HOST:PEIL_PORT",
            _parse_public_url,
            lambda url, s: url or f"unset: {s.public_url}",
        )
    )
    host: str = field(
        metadata=_declare("PEIL_HOST", "127.0.0.1", "address to listen on", _parse_str)
    )
    port: int = field(
        metadata=_declare("PEIL_PORT", "8000", "port to listen on", _int_between(1, 65535))
    )
    geoip_db: Path | None = field(
        metadata=_declare(
            "PEIL_GEOIP_DB",
            None,
            "MaxMind-format .mmdb file (GeoLite2/GeoIP2 City or Country, or geo-whois-asn-country);"
            " unset: no geolocation",
            _parse_geoip_db,
        )
    )
    retention_days: int = field(
        metadata=_declare(
            "PEIL_RETENTION_DAYS",
            "183",
            "days raw events are kept (six months)",
            _int_between(1, 36500),
        )
    )
    aggregate_retention_days: int | None = field(
        metadata=_declare(
            "PEIL_AGGREGATE_RETENTION_DAYS",
            None,
            "days aggregates (rollups, which hold no per-visitor values) are kept;"
            " unset or forever: kept forever",
            _parse_optional_days,
            lambda days, s: "forever" if days is None else str(days),
        )
    )
    purge_at: time | None = field(
        metadata=_declare(
            "PEIL_PURGE_AT",
            "03:30",
            "UTC time of day at which `peil serve` runs the purge by itself; off: never"
            " (schedule `peil purge` with cron or a systemd timer instead)",
            _parse_purge_at,
            lambda at, s: "off" if at is None else at.strftime("%H:%M"),
        )
    )
    ipv4_prefix: int = field(
        metadata=_declare(
            "PEIL_IPV4_PREFIX",
            "24",
            "bits of an IPv4 address kept; 0 stores no address",
            _int_between(0, 32),
        )
    )
    ipv6_prefix: int = field(
        metadata=_declare(
            "PEIL_IPV6_PREFIX",
            "48",
            "bits of an IPv6 address kept; 0 stores no address",
            _int_between(0, 128),
        )
    )
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = field(
        metadata=_declare(
            "PEIL_TRUSTED_PROXIES",
            "",
            "CIDRs of proxies whose X-Forwarded-For is believed; empty: ignore the header",
            _parse_networks,
        )
    )
    allowed_hosts_override: tuple[str, ...] = field(
        metadata=_declare(
            "PEIL_ALLOWED_HOSTS",
            "",
            "Host names the dashboard, login and API answer to (others get 421, against DNS"
            " rebinding); empty: the host of PEIL_PUBLIC_URL, localhost, 127.0.0.1, [::1]",
            _parse_hosts,
        )
    )
    metrics_allow: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = field(
        metadata=_declare(
            "PEIL_METRICS_ALLOW",
            "127.0.0.0/8,::1/128",
            "CIDRs of peers that may read /metrics without a token (an admin's token always may)",
            _parse_networks,
        )
    )
    keep_query: tuple[str, ...] = field(
        metadata=_declare(
            "PEIL_KEEP_QUERY",
            "utm_source,utm_medium,utm_campaign,utm_content,utm_term,ref,source",
            "the only page-URL query parameters stored; every other one is dropped before the"
            " event reaches the spool",
            _parse_names,
        )
    )
    secret_key_override: str | None = field(
        metadata=_declare(
            "PEIL_SECRET_KEY",
            None,
            "secret for sessions and hashes (at least 32 characters); unset: generated once"
            " into PEIL_DATA_DIR",
            _parse_secret,
            lambda key, s: (
                "set (not shown)" if key else f"unset: generated into {s.data_dir / 'secret_key'}"
            ),
        )
    )
    rate_limit: int = field(
        metadata=_declare(
            "PEIL_RATE_LIMIT",
            "50",
            "ingest requests per second one client may send, an IPv4 address or an IPv6 /64"
            " (bursts of 4x allowed); 0: no limit",
            _int_between(0, 1_000_000),
        )
    )
    durability: str = field(
        metadata=_declare(
            "PEIL_DURABILITY",
            "fsync",
            "fsync: an event is answered 202 only once it is synced to the spool on disk;"
            " memory: answered at once, written to the spool a moment later (a crash of the"
            " process can lose that moment)",
            _parse_durability,
        )
    )
    spool_max_mb: int = field(
        metadata=_declare(
            "PEIL_SPOOL_MAX_MB",
            "1024",
            "size of the on-disk spool (all workers together) that holds events PostgreSQL does"
            " not have yet; when full, ingest answers 503 with Retry-After",
            _int_between(1, 10_000_000),
        )
    )
    queue_max: int = field(
        metadata=_declare(
            "PEIL_QUEUE_MAX",
            "100000",
            "events a worker keeps in memory for the writer; beyond it they wait in the spool only",
            _int_between(1000, 10_000_000),
        )
    )
    log_level: str = field(
        metadata=_declare(
            "PEIL_LOG_LEVEL",
            "INFO",
            "DEBUG, INFO, WARNING or ERROR; INFO logs start, stop and problems, one line each",
            _parse_log_level,
        )
    )

    @property
    def public_url(self) -> str:
        if self.public_url_override:
            return self.public_url_override
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def allowed_hosts(self) -> frozenset[str]:
        """The Host names (without port) dashboard and API requests may carry."""
        if self.allowed_hosts_override:
            return frozenset(self.allowed_hosts_override)
        public = (urlsplit(self.public_url).hostname or "").lower()
        public = f"[{public}]" if ":" in public else public
        return frozenset({public, "localhost", "127.0.0.1", "[::1]"})

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
        return _secret_in(self.data_dir / "secret_key")


SETTINGS: tuple[Setting, ...] = tuple(
    Setting(attribute=f.name, **f.metadata[_SETTING]) for f in fields(Settings)
)
_BY_VARIABLE = {setting.variable: setting for setting in SETTINGS}


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """The PEIL_* variables of `environ` that are no setting, sorted."""
    return sorted(name for name in environ if name.startswith("PEIL_") and name not in _BY_VARIABLE)


def not_a_setting(variable: str) -> str:
    """One sentence for an unknown PEIL_* variable, naming the closest setting if one is."""
    # Compared without the PEIL_ they all share, which alone would make any two look alike.
    suffixes = {setting.variable.removeprefix("PEIL_"): setting.variable for setting in SETTINGS}
    close = difflib.get_close_matches(variable.removeprefix("PEIL_").upper(), suffixes, n=1)
    if close:
        return f"{variable} is not a Peil setting; did you mean {suffixes[close[0]]}?"
    return f"{variable} is not a Peil setting, nor close to one (`peil config` lists them all)."


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Parse every PEIL_* variable; raise ConfigError naming the first unknown or bad one.

    `overrides` replace parsed values (command-line flags such as --port win
    over the environment).
    """
    environ = os.environ if environ is None else environ
    if unknown := unknown_variables(environ):
        raise ConfigError(not_a_setting(unknown[0]))
    values = {setting.attribute: setting.read(environ) for setting in SETTINGS}
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(**values)


@functools.cache
def _secret_in(path: Path) -> bytes:
    """The secret of a data dir, read once per process (CSRF checks ask for it on
    every request; a file read each time would block the event loop)."""
    return _load_or_create_secret(path)


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
