"""Create the PostgreSQL database named by DATABASE_URL if it does not exist yet (make test, make up).

Django's own checks (makemigrations --check) connect to it; pytest creates its test_* database
next to it. Connects to the server's `postgres` maintenance database to do so.
"""

import os
import sys

import dj_database_url
import psycopg
from psycopg import sql


def main() -> int:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return 0  # the embedded configuration: SQLite needs nothing
    config = dj_database_url.parse(url)
    name = config["NAME"]
    params = {"host": config["HOST"] or None, "port": config["PORT"] or None, "user": config["USER"] or None}
    if config.get("PASSWORD"):
        params["password"] = config["PASSWORD"]
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
