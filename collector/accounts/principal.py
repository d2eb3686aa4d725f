"""The caller of a request once authenticated: a user, how they proved it, what they read."""

from __future__ import annotations

from dataclasses import dataclass

ADMIN = "admin"
VIEWER = "viewer"
ROLES = (ADMIN, VIEWER)


@dataclass(frozen=True)
class Principal:
    user_id: int
    email: str
    role: str
    granted: frozenset[int]  # site ids granted (a viewer's whole reach; an admin reads all)
    via_token: bool  # an API token: read-only, whatever the role

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    def can_read(self, site_id: int) -> bool:
        return self.is_admin or site_id in self.granted

    @property
    def readable(self) -> list[int] | None:
        """The site ids readable, as a query parameter; None: every site."""
        return None if self.is_admin else sorted(self.granted)


def principal_of(row, *, via_token: bool) -> Principal:
    """A Principal from a row of (id, email, role, granted)."""
    return Principal(row["id"], row["email"], row["role"], frozenset(row["granted"]), via_token)
