"""``python -m infohus_tools.migrations revision <service|platform> -m "what changed"``.

Writes a new Alembic revision by comparing the tables in code with a database built from the
existing revisions (``infohus_platform.migrations`` holds the rest).
"""

import argparse
import importlib
import sys
import tempfile

from alembic import command
from sqlalchemy import create_engine
from sqlmodel import SQLModel

from infohus_platform.migrations import PLATFORM_VERSIONS, config_for, platform_tables

SERVICES = ("intake", "assessment", "registry", "network", "notify")


def service_tables(service: str) -> tuple[str, list[type[SQLModel]]]:
    """A service's package and every table in its database (its own and the platform's)."""
    package = f"infohus_{service}"
    storage = importlib.import_module(f"{package}.storage")
    return package, [*storage.TABLES, *platform_tables()]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m infohus_tools.migrations")
    sub = parser.add_subparsers(dest="command", required=True)
    revision = sub.add_parser("revision", help="write a new revision for a service's (or the platform's) tables")
    revision.add_argument("service", choices=[*SERVICES, "platform"])
    revision.add_argument("-m", "--message", required=True)
    args = parser.parse_args()
    # The platform's revisions are written against one service's database: its tables are the same everywhere.
    package, tables = service_tables("intake" if args.service == "platform" else args.service)
    if args.service == "platform":
        tables = platform_tables()
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite:///{folder}/schema.db")
        with engine.begin() as connection:
            config = config_for(package, tables, connection)
            command.upgrade(config, "heads")
            head = f"{args.service}@head"
            command.revision(config, message=args.message, autogenerate=True, head=head,
                             version_path=str(PLATFORM_VERSIONS) if args.service == "platform" else None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
