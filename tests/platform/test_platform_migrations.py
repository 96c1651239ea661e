"""Each service's migrations build exactly the tables its code declares: a table change needs a revision."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from infohus_platform.migrations import metadata_of, upgrade
from infohus_tools.migrations import service_tables


@pytest.mark.parametrize("service", ["intake", "assessment", "registry", "network", "notify"])
def test_migrations_match_the_tables_in_code(service, tmp_path):
    package, tables = service_tables(service)
    engine = create_engine(f"sqlite:///{tmp_path}/{service}.db")
    with engine.begin() as connection:
        upgrade(connection, package, tables)
        upgrade(connection, package, tables)  # a second start finds nothing to do
        differences = compare_metadata(MigrationContext.configure(connection), metadata_of(tables))
    assert differences == [], (f"{service}: tables and migrations differ; write a revision with "
                               f"`python -m infohus_tools.migrations revision {service} -m '...'`")
