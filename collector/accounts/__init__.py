"""Accounts: who may read what, and how they prove it.

Roles. An `admin` reads every site and manages settings, users, tokens and
privacy requests; a `viewer` reads the sites granted to them (`site_grants`)
and nothing else. The first user is an admin, later ones are viewers unless
said otherwise, and the last admin cannot be removed or demoted.

Proof. A browser logs in with email and password (`passwords`: argon2id,
verified in a small thread pool of its own, never on the event loop) and
gets a session (`sessions`: a random token in an HttpOnly cookie, only its
SHA-256 stored). A program sends an API token (`tokens`: read-only, scoped
to its user's sites, with an optional expiry and a revocation). Both end as
one `Principal` (`principal`), which every route's authorization check in
dashboard/access.py judges.

CSRF. A state-changing request must carry a token derived from the session
(HMAC of the session token under the instance secret, so nothing more is
stored); before login, from a random cookie the login page sets.

Guessing. Failed logins are kept in `login_failures` (an account's SHA-256
and the truncated address, or where no address is kept an HMAC of its /24
or /48) for 15 minutes; 5 for one account or 20 from
one truncated address throttle further attempts (`throttle`). The table is
shared by every worker and survives restarts.
"""
