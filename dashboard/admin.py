"""The admin API, `/api/admin/...`: sites, users and grants, tokens, goals.

Only for an admin's dashboard session (dashboard/access.py refuses tokens and
viewers, and checks CSRF on every change). Each route does what the `peil`
command of the same name does, through the same functions, so the checks,
the answers' wording and the audit row are one and the same. Bodies are JSON
objects; an expected failure is 400 (404 for what does not exist) with
`{"error": "one sentence"}`.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg
import orjson
from aiohttp import web

from collector.accounts.passwords import Busy, check_password
from collector.accounts.tokens import create_token, list_tokens, revoke_token
from collector.accounts.users import (
    add_user,
    check_email,
    check_role,
    grant,
    list_users,
    remove_user,
    revoke,
    set_password,
    set_role,
)
from collector.config import Settings
from collector.errors import PeilError
from collector.keys import POOL, SETTINGS
from collector.retention.site_removal import remove_site
from collector.store.goals import add_goal, check_goal, list_goals, remove_goal
from collector.store.sites import (
    Site,
    add_site,
    checked_changes,
    edit_site,
    list_sites,
    site_by_key,
    snippet,
)
from dashboard import params
from dashboard.access import PRINCIPAL
from dashboard.login import PASSWORDS

MAX_BODY = 64 * 1024
TOKEN_ID = re.compile(r"[0-9]{1,9}")  # within PostgreSQL's integer
PREFIX = "/api/admin"


class NotFound(PeilError):
    pass


Work = Callable[[web.Request, asyncpg.Connection, dict[str, Any]], Awaitable[Any]]


def admin_route(work: Work, status: int = 200) -> Callable[[web.Request], Awaitable[web.Response]]:
    """A handler: read the JSON body (for changes), run `work` on a connection, answer
    its result as JSON; PeilError is 400, NotFound 404."""

    async def handler(request: web.Request) -> web.Response:
        try:
            body = await json_body(request)
            async with request.app[POOL].acquire() as conn:
                result = await work(request, conn, body)
        except NotFound as exc:
            return answer({"error": str(exc)}, 404)
        except PeilError as exc:
            return answer({"error": str(exc)}, 400)
        except Busy:
            return answer({"error": "Peil is busy hashing passwords; try again."}, 503)
        return answer(result, status)

    return handler


def answer(data: Any, status: int) -> web.Response:
    return web.Response(
        body=orjson.dumps(data),
        status=status,
        content_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


async def json_body(request: web.Request) -> dict[str, Any]:
    if request.method in ("GET", "HEAD", "DELETE"):
        return {}
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise PeilError(f"The request body must be at most {MAX_BODY} bytes.")
    raw = bytearray()
    while chunk := await request.content.read(MAX_BODY + 1 - len(raw)):  # to its end
        raw += chunk
        if len(raw) > MAX_BODY:
            raise PeilError(f"The request body must be at most {MAX_BODY} bytes.")
    try:
        body = orjson.loads(raw or b"{}")
    except orjson.JSONDecodeError:
        raise PeilError("The request body must be a JSON object.") from None
    if not isinstance(body, dict):
        raise PeilError("The request body must be a JSON object.")
    return body


def field(body: dict[str, Any], name: str, kind: type, *, required: bool = False) -> Any:
    value = body.get(name)
    if value is None:
        if required:
            raise PeilError(f"Field {name!r} is required.")
        return None
    if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
        raise PeilError(f"Field {name!r} must be {_KIND_NAMES[kind]}.")
    if kind is list and not all(isinstance(item, str) for item in value):
        raise PeilError(f"Field {name!r} must be a list of text.")
    for text in value if kind is list else [value] if kind is str else []:
        checked_text(text, name)
    return value


def checked_text(value: str, name: str) -> str:
    """`value` if it is text PostgreSQL can hold and a person can read (params.text)."""
    try:
        return params.text(value, name)
    except params.BadRequest as exc:
        raise PeilError(str(exc).replace("Parameter", "Field", 1)) from None


def path_part(request: web.Request, name: str) -> str:
    """A part of the route (a site key, an email, a goal name), checked as text."""
    return checked_text(request.match_info[name], name)


_KIND_NAMES = {str: "text", int: "a whole number", list: "a list"}


def actor(request: web.Request) -> str:
    return request[PRINCIPAL].email


# Sites


def site_json(site: Site, settings: Settings) -> dict[str, Any]:
    return {
        "key": site.key,
        "name": site.name,
        "domains": site.domains,
        "retention_days": site.retention_days or settings.retention_days,
        "timezone": site.timezone,
        "consent": site.consent,
        "contact": site.contact,
        "snippet": snippet(site, settings.public_url),
    }


def site_fields(body: dict[str, Any], settings: Settings, *, adding: bool) -> dict[str, Any]:
    """The fields of a site body, checked as `peil sites add/edit` checks its options."""
    kinds = {"name": str, "domains": list, "retention_days": int, "timezone": str}
    given = {
        name: field(body, name, kind, required=adding and name in ("name", "domains"))
        for name, kind in {**kinds, "consent": str}.items()
    }
    present = {name: value for name, value in given.items() if value is not None}
    if "contact" in body:  # null or "" clears it
        present["contact"] = field(body, "contact", str) or ""
    return checked_changes(present, settings.retention_days)


async def the_site(conn: asyncpg.Connection, request: web.Request) -> Site:
    site = await site_by_key(conn, path_part(request, "key"))
    if site is None:
        raise NotFound("There is no such site.")
    return site


async def sites_list(request, conn, body):
    settings = request.app[SETTINGS]
    return {"sites": [site_json(site, settings) for site in await list_sites(conn)]}


async def sites_add(request, conn, body):
    changes = site_fields(body, request.app[SETTINGS], adding=True)
    site = await add_site(
        conn,
        changes.pop("name"),
        changes.pop("domains"),
        changes.pop("retention_days", None),
        changes.pop("timezone", "UTC"),
        **changes,
        actor=actor(request),
    )
    return site_json(site, request.app[SETTINGS])


async def sites_edit(request, conn, body):
    site = await the_site(conn, request)
    changes = site_fields(body, request.app[SETTINGS], adding=False)
    if not changes:
        raise PeilError("Nothing to change: send at least one field.")
    edited = await edit_site(conn, site.key, actor=actor(request), **changes)
    return site_json(edited, request.app[SETTINGS])


async def sites_remove(request, conn, body):
    site = await the_site(conn, request)
    deleted = await remove_site(conn, site.key, actor(request))
    return {"removed": site.key, "deleted_events": deleted}


# Users and grants


def user_json(info) -> dict[str, Any]:
    return {
        "email": info.email,
        "role": info.role,
        "sites": info.sites,
        "tokens": info.tokens,
        "created_at": info.created_at.isoformat(),
    }


async def users_list(request, conn, body):
    return {"users": [user_json(u) for u in await list_users(conn)]}


async def users_add(request, conn, body):
    email = check_email(field(body, "email", str, required=True))
    password = check_password(field(body, "password", str, required=True))
    password_hash = await request.app[PASSWORDS].hash(password)
    info = await add_user(
        conn,
        email,
        password_hash,
        field(body, "role", str),
        field(body, "sites", list) or [],
        actor=actor(request),
    )
    return user_json(info)


async def users_edit(request, conn, body):
    """PATCH a user: `role` and/or `password` (a new password ends their sessions);
    every check before any change, and both changes or neither."""
    email = path_part(request, "email")
    role, password = field(body, "role", str), field(body, "password", str)
    if role is None and password is None:
        raise PeilError("Nothing to change: send 'role' or 'password'.")
    await user_or_404(conn, email)
    if role is not None:
        check_role(role)
    password_hash = None
    if password is not None:
        password_hash = await request.app[PASSWORDS].hash(check_password(password))
    result: dict[str, Any] = {}
    async with conn.transaction():
        if role is not None:
            await set_role(conn, email, role, actor=actor(request))
        if password_hash is not None:
            result["sessions_ended"] = await set_password(
                conn, email, password_hash, actor=actor(request)
            )
    return {**result, **user_json(await user_or_404(conn, email))}


async def user_or_404(conn, email: str):
    for info in await list_users(conn):
        if info.email.lower() == email.lower():
            return info
    raise NotFound("There is no such user.")


async def users_remove(request, conn, body):
    email = path_part(request, "email")
    await user_or_404(conn, email)
    info = await remove_user(conn, email, actor=actor(request))
    return {"removed": info.email}


async def grants_add(request, conn, body):
    email, key = path_part(request, "email"), path_part(request, "key")
    await user_or_404(conn, email)
    await the_site(conn, request)
    return {"granted": await grant(conn, email, key, actor=actor(request))}


async def grants_remove(request, conn, body):
    email, key = path_part(request, "email"), path_part(request, "key")
    await user_or_404(conn, email)
    await the_site(conn, request)
    return {"revoked": await revoke(conn, email, key, actor=actor(request))}


# Tokens


async def tokens_list(request, conn, body):
    tokens, now = await list_tokens(conn), datetime.now(UTC)
    return {
        "tokens": [
            {
                "id": t.id,
                "user": t.email,
                "name": t.name,
                "state": t.state(now),
                "created_at": t.created_at.isoformat(),
                "expires_at": t.expires_at and t.expires_at.isoformat(),
                "last_used_at": t.last_used_at and t.last_used_at.isoformat(),
            }
            for t in tokens
        ]
    }


async def tokens_create(request, conn, body):
    days = field(body, "expires_days", int)  # its bounds: create_token
    user = field(body, "user", str) or actor(request)
    token_id, token = await create_token(
        conn, user, field(body, "name", str) or "", days, actor=actor(request)
    )
    return {"id": token_id, "token": token}


async def tokens_revoke(request, conn, body):
    raw = request.match_info["id"]
    if not TOKEN_ID.fullmatch(raw) or not await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM api_tokens WHERE id = $1)", int(raw)
    ):
        raise NotFound("There is no such token.")
    info = await revoke_token(conn, int(raw), actor=actor(request))
    return {"revoked": info.id}


# Goals


async def goals_list(request, conn, body):
    site = await the_site(conn, request)
    return {"goals": [g.__dict__ for g in await list_goals(conn, site.id)]}


async def goals_add(request, conn, body):
    site = await the_site(conn, request)
    if ("event" in body) == ("page" in body):
        raise PeilError("A goal is reached by an 'event' or by a 'page': send exactly one.")
    kind = "event" if "event" in body else "page"
    goal = check_goal(
        field(body, "name", str, required=True), kind, field(body, kind, str, required=True)
    )
    await add_goal(conn, site.id, goal, actor=actor(request))
    return goal.__dict__


async def goals_remove(request, conn, body):
    site = await the_site(conn, request)
    name = path_part(request, "name")
    if name not in {goal.name for goal in await list_goals(conn, site.id)}:
        raise NotFound("The site has no such goal.")
    await remove_goal(conn, site.id, name, actor=actor(request))
    return {"removed": name}


def add_routes(app: web.Application) -> None:
    router = app.router
    router.add_get(f"{PREFIX}/sites", admin_route(sites_list))
    router.add_post(f"{PREFIX}/sites", admin_route(sites_add, 201))
    router.add_patch(f"{PREFIX}/sites/{{key}}", admin_route(sites_edit))
    router.add_delete(f"{PREFIX}/sites/{{key}}", admin_route(sites_remove))
    router.add_get(f"{PREFIX}/users", admin_route(users_list))
    router.add_post(f"{PREFIX}/users", admin_route(users_add, 201))
    router.add_patch(f"{PREFIX}/users/{{email}}", admin_route(users_edit))
    router.add_delete(f"{PREFIX}/users/{{email}}", admin_route(users_remove))
    router.add_put(f"{PREFIX}/users/{{email}}/sites/{{key}}", admin_route(grants_add))
    router.add_delete(f"{PREFIX}/users/{{email}}/sites/{{key}}", admin_route(grants_remove))
    router.add_get(f"{PREFIX}/tokens", admin_route(tokens_list))
    router.add_post(f"{PREFIX}/tokens", admin_route(tokens_create, 201))
    router.add_delete(f"{PREFIX}/tokens/{{id}}", admin_route(tokens_revoke))
    router.add_get(f"{PREFIX}/sites/{{key}}/goals", admin_route(goals_list))
    router.add_post(f"{PREFIX}/sites/{{key}}/goals", admin_route(goals_add, 201))
    router.add_delete(f"{PREFIX}/sites/{{key}}/goals/{{name}}", admin_route(goals_remove))
