"""Schema migrations with Alembic: each service keeps its revisions in ``<package>/migrations``.

The service's lifespan upgrades its own database to the newest revision before it serves;
``python -m infohus_tools.migrations revision <service> -m "what changed"`` writes a new
revision by comparing the tables in code with a database built from the existing revisions.
"""

import importlib
import os
from collections.abc import Sequence
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel


def metadata_of(tables: Sequence[type[SQLModel]]) -> MetaData:
    """A service's own tables only (several services' models share SQLModel's metadata in tests)."""
    metadata = MetaData()
    for table in tables:
        table.__table__.to_metadata(metadata)  # type: ignore[attr-defined]
    return metadata


PLATFORM_VERSIONS = Path(__file__).parent / "platform_migrations"


def config_for(package: str, tables: Sequence[type[SQLModel]], connection: Connection | None = None) -> Config:
    """Two branches in every service's database: the platform's own tables (outbox, inbox,
    processing log, erasure proofs; one history, shared) and the service's tables."""
    location = Path(importlib.import_module(package).__file__).parent / "migrations"  # type: ignore[arg-type]
    config = Config()
    config.set_main_option("script_location", str(location))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join([str(location / "versions"), str(PLATFORM_VERSIONS)]))
    config.attributes["connection"] = connection
    config.attributes["target_metadata"] = metadata_of(tables)
    return config


def upgrade(connection: Connection, package: str, tables: Sequence[type[SQLModel]]) -> None:
    if connection.dialect.name == "postgresql":
        # Two instances starting at once: the second waits, then finds nothing to do.
        connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": package})
    command.upgrade(config_for(package, tables, connection), "heads")


def _other_branch_tables_left_alone(obj, name, type_, reflected, compare_to) -> bool:
    # A platform revision must not drop a service's tables, nor the reverse: dropping a table is written by hand.
    return not (type_ == "table" and reflected and compare_to is None)


def run_env(context) -> None:
    """What every service's ``migrations/env.py`` runs: online, on the connection it was given."""
    connection = context.config.attributes["connection"]
    context.configure(connection=connection, target_metadata=context.config.attributes["target_metadata"],
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True,
                      include_object=_other_branch_tables_left_alone)
    with context.begin_transaction():
        context.run_migrations()


def platform_tables() -> list[type[SQLModel]]:
    """The platform's own tables in every service's database: outbox, inbox, processing log, erasure proofs,
    exchange receipts."""
    from infohus_platform.audit.erasure import ERASURE_TABLES
    from infohus_platform.audit.processing_log import PROCESSING_LOG_TABLES
    from infohus_platform.exchange.receipts import EXCHANGE_TABLES
    from infohus_platform.messaging.outbox import MESSAGING_TABLES

    return [*MESSAGING_TABLES, *PROCESSING_LOG_TABLES, *ERASURE_TABLES, *EXCHANGE_TABLES]
