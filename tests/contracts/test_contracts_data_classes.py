"""Every column of every table has a data class; person records carry their controller and regime."""

import importlib

import pytest

from infohus_contracts.base.classes import DataClass
from infohus_platform.audit.processing_log import PROCESSING_LOG_TABLES
from infohus_platform.messaging.outbox import MESSAGING_TABLES

SERVICES = ("intake", "assessment", "registry", "network", "notify")
TABLES = sorted(
    {table for service in SERVICES for table in importlib.import_module(f"infohus_{service}.storage").TABLES}
    | set(MESSAGING_TABLES) | set(PROCESSING_LOG_TABLES),
    key=lambda t: t.__tablename__,
)
PERSON_RECORDS = {"concern", "case_file", "registration"}


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.__tablename__)
def test_every_column_has_a_data_class(table):
    declared = getattr(table, "__data_classes__", {})
    columns = {column.name for column in table.__table__.columns}
    assert sorted(columns - set(declared)) == [], f"{table.__tablename__}: columns without a data class"
    assert sorted(set(declared) - columns) == [], f"{table.__tablename__}: classes for columns that do not exist"
    assert all(DataClass(value) for value in declared.values())


@pytest.mark.parametrize("table", [t for t in TABLES if t.__tablename__ in PERSON_RECORDS],
                         ids=lambda t: t.__tablename__)
def test_person_records_carry_controller_and_regime(table):
    columns = {column.name for column in table.__table__.columns}
    assert {"controller", "regime"} <= columns


def test_the_network_stores_no_person_level_case_data():
    network = importlib.import_module("infohus_network.storage").TABLES
    forbidden = {DataClass.SPECIAL_CATEGORY, DataClass.CRIMINAL, DataClass.SOCIAL, DataClass.REPORTER}
    for table in network:
        classes = {DataClass(v) for v in getattr(table, "__data_classes__", {}).values()}
        assert not classes & forbidden, table.__tablename__
