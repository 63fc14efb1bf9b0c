"""Create or drop a throwaway PostgreSQL database for the test suite's second pass.

    python scripts/pgtest.py create   → prints the URL of a new empty database
    python scripts/pgtest.py drop URL → drops it

The server is PG_ADMIN_URL (default postgresql://postgres@127.0.0.1:5432/test). When
it cannot be reached, `create` prints nothing on stdout and the reason on stderr.
"""

from __future__ import annotations

import os
import secrets
import sys

import psycopg
from psycopg import sql

ADMIN = os.environ.get("PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")


def create() -> int:
    name = f"course_test_{secrets.token_hex(4)}"
    try:
        with psycopg.connect(ADMIN, autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as exc:
        print(f"PostgreSQL at {ADMIN} is not reachable: {exc}".strip(), file=sys.stderr)
        return 0
    base = ADMIN.rsplit("/", 1)[0]
    print(f"{base}/{name}")
    return 0


def drop(url: str) -> int:
    name = url.rsplit("/", 1)[1]
    if not name.startswith("course_test_"):
        print(f"refusing to drop {name!r}: not a throwaway test database", file=sys.stderr)
        return 1
    with psycopg.connect(ADMIN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["create"]:
        sys.exit(create())
    if sys.argv[1:2] == ["drop"] and len(sys.argv) == 3:
        sys.exit(drop(sys.argv[2]))
    print(__doc__, file=sys.stderr)
    sys.exit(2)
