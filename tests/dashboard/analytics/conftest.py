"""Fixtures of the analytics oracle tests: the generated dataset (three sites,
rolled up, with goals) loaded once per module, an oracle per site over one
connection, and the stats API with an admin's token."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from tests.support.analytics_checks import Api
from tests.support.analytics_data import LoadedSite, data_days, load_dataset
from tests.support.analytics_oracle import Oracle, dimension_values

SEED = 16


@dataclass
class Site:
    loaded: LoadedSite
    oracle: Oracle
    values: dict[str, list[str]]

    def __repr__(self) -> str:  # short, for Hypothesis's reports of drawn values
        return f"<site {self.loaded.plan.label} {self.loaded.key}>"

    def _repr_pretty_(self, printer, cycle) -> None:  # Hypothesis's pretty printer
        printer.text(repr(self))

    @property
    def key(self) -> str:
        return self.loaded.key

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.loaded.plan.timezone)

    @property
    def days(self) -> list[date]:
        return data_days(self.loaded.plan)


@pytest.fixture(scope="module")
async def oracle_conn(database_url):
    conn = await asyncpg.connect(database_url)
    yield conn
    await conn.close()


@pytest.fixture(scope="module")
async def sites(oracle_conn) -> list[Site]:
    out = []
    for loaded in await load_dataset(oracle_conn, SEED):
        oracle = Oracle(oracle_conn, loaded.id, loaded.plan.timezone)
        days = data_days(loaded.plan)
        out.append(Site(loaded, oracle, await dimension_values(oracle, days[0], days[-1])))
    return out


@pytest.fixture(scope="module")
def api(server, token) -> Api:
    return Api(server.url, token)
