"""A throwaway PostgreSQL cluster for the tests: `initdb` and `pg_ctl` in a temporary
directory, listening on a Unix socket in that directory only, removed afterwards.

The binaries come from Debian's `postgresql` package (`/usr/lib/postgresql/<version>/bin`,
not on PATH) or from PATH. `initdb` refuses to run as root, so as root (CI) the cluster is
made and run by the `postgres` user the package creates, in a directory given to it.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

SKIP_VARIABLE = "ASSISTANT_TEST_SKIP_POSTGRES"
MISSING = (
    "PostgreSQL's initdb and pg_ctl were not found (neither in /usr/lib/postgresql/*/bin nor "
    "on PATH); the store tests run against a real server. Install Debian's `postgresql` "
    "package (apt-get install postgresql), or set ASSISTANT_TEST_SKIP_POSTGRES=1 to skip "
    "the PostgreSQL tests on a development machine."
)
SERVER_USER = "postgres"  # the cluster's own user when the tests run as root
SUPERUSER = "postgres"  # the database superuser initdb makes
# Throwaway: no durability, room for every test's connections.
SERVER_SETTINGS = {
    "listen_addresses": "''",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "300",
}


def find_bin_dir() -> Path | None:
    """The newest Debian PostgreSQL's bin directory, else the one on PATH, else None."""
    def version(path: str) -> tuple[int, ...]:
        return tuple(int(n) for n in re.findall(r"\d+", Path(path).parent.parent.name))

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=version, reverse=True)
    on_path = shutil.which("initdb")
    for initdb in [*found, *([on_path] if on_path else [])]:
        bin_dir = Path(initdb).parent
        if (bin_dir / "pg_ctl").is_file():
            return bin_dir
    return None


@dataclass
class Cluster:
    """A running throwaway cluster: where it lives, and how to make a database in it."""

    bin_dir: Path
    root: Path  # the data directory, the log and the socket are in here
    as_server: list[str] = field(default_factory=list)  # prefix running a command as its user
    databases: int = 0

    @property
    def socket_dir(self) -> Path:
        """Where the server's Unix socket is."""
        return self.root

    @property
    def data_dir(self) -> Path:
        """The cluster's data directory."""
        return self.root / "data"

    def url(self, dbname: str = "postgres") -> str:
        """The URL of a database in the cluster, as ASSISTANT_STORE_URL would give it."""
        return f"postgresql://{SUPERUSER}@/{dbname}?host={self.socket_dir}"

    def new_database(self) -> str:
        """A fresh, empty database; its URL."""
        self.databases += 1
        name = f"test_{self.databases}"
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def start(self) -> None:
        """Start the server and wait until it takes connections."""
        self._pg_ctl("-l", str(self.root / "log"), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: "fast" ends sessions cleanly, "immediate" just kills it."""
        self._pg_ctl("-m", mode, "-w", "stop")

    def restart(self) -> None:
        """Stop the server (fast) and start it again."""
        self._pg_ctl("-l", str(self.root / "log"), "-m", "fast", "-w", "-t", "60", "restart")

    @property
    def running(self) -> bool:
        """Whether the server is running (its pid file is there)."""
        return (self.data_dir / "postmaster.pid").exists()

    def _pg_ctl(self, *args: str) -> None:
        """Run pg_ctl on the cluster; always with a log file (-l) when starting, or the
        server's output would hold our pipe open."""
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), *args)

    def _run(self, *command: str) -> None:
        """Run a PostgreSQL program as the cluster's user; its output in the failure."""
        done = subprocess.run(
            [*self.as_server, *command], capture_output=True, text=True, timeout=120, check=False
        )
        if done.returncode != 0:
            log = self.root / "log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{command[0]} failed: {done.stdout}{done.stderr}\n{tail}")


def _as_server_user(root: Path) -> list[str]:
    """As root: the command prefix running as the `postgres` user, owner of `root`."""
    if os.geteuid() != 0:
        return []
    try:
        user = pwd.getpwnam(SERVER_USER)
    except KeyError:
        raise RuntimeError(
            f"initdb refuses to run as root, and there is no user {SERVER_USER!r} to run it "
            "as (Debian's postgresql package creates it)."
        ) from None
    os.chown(root, user.pw_uid, user.pw_gid)
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", SERVER_USER, "--"]
    return ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups"]


@contextmanager
def throwaway_cluster(bin_dir: Path) -> Iterator[Cluster]:
    """A cluster started in a new temporary directory; stopped and removed afterwards."""
    # Not under pytest's tmp_path: as root that is a 0700 directory the server user cannot
    # enter. A short path also keeps the socket's path within the 107 bytes allowed.
    root = Path(tempfile.mkdtemp(prefix="assistant-pg-"))
    try:
        cluster = Cluster(bin_dir=bin_dir, root=root, as_server=_as_server_user(root))
        cluster._run(
            str(bin_dir / "initdb"), "-D", str(cluster.data_dir), "-U", SUPERUSER,
            "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync",
        )
        with (cluster.data_dir / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write(f"unix_socket_directories = '{cluster.socket_dir}'\n")
            conf.writelines(f"{name} = {value}\n" for name, value in SERVER_SETTINGS.items())
        cluster.start()
        try:
            yield cluster
        finally:
            if cluster.running:
                cluster.stop("immediate")
    finally:
        shutil.rmtree(root, ignore_errors=True)
