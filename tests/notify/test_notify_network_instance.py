"""Notify in a district network's instance (Infohus Netværk): it consumes only the network's topics (the summons,
and the aggregates when a partner wants them), declares no case topic, holds no case data and offers no subject
access by concern; in a municipality's instance it stays as it was."""

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from infohus_contracts.base.classes import DataClass
from infohus_contracts.base.topics import NETWORK_AGGREGATES, NETWORK_SUMMONS, NETWORK_TOPICS
from infohus_contracts.case.topics import ALL_TOPICS, ERASURE, NOTIFY_REQUESTS
from infohus_notify.app import NETWORK_TABLES, create_app
from infohus_notify.settings import NotifySettings
from infohus_tools.district import init

CASE_TOPICS = {t.name for t in ALL_TOPICS} - {t.name for t in NETWORK_TOPICS}
CASE_CLASSES = {DataClass.SPECIAL_CATEGORY, DataClass.CRIMINAL, DataClass.SOCIAL, DataClass.REPORTER}
# The columns notify declares person-level for a municipality's notices (a citizen's request and sealed address,
# the documented exemption, a delivery's recipient and partner payload). In a network instance they hold only
# the summoned members' work addresses and aggregate partner events; any other such column fails this test.
PERSON_COLUMNS = {"notification.request", "notification.sealed_addressing", "notification.exemption_basis",
                  "delivery.recipient", "delivery.payload"}


def app_of(tmp_path: Path, org: str, partners: list[dict[str, Any]] | None = None, **settings: Any) -> FastAPI:
    partners_file = None
    if partners is not None:
        partners_file = tmp_path / "partners.json"
        partners_file.write_text(json.dumps({"partners": partners}), "utf-8")
    return create_app(NotifySettings(infohus_org=org, infohus_data_dir=tmp_path, notify_partners_file=partners_file,
                                     **settings))


def subscribed(app: FastAPI) -> set[str]:
    return {topic for subscriber in app.state.runtime.broker.subscribers
            for topic in subscriber.topic_names}


def routes(app: FastAPI) -> set[str]:
    return set(app.openapi()["paths"])


def test_a_network_instance_consumes_only_the_summons_without_a_partner(tmp_path: Path) -> None:
    app = app_of(tmp_path, "netvaerk-nordjylland")
    assert app.state.notify.settings.network_instance
    assert subscribed(app) == {NETWORK_SUMMONS.name}
    assert not subscribed(app) & CASE_TOPICS
    assert "/api/v1/subject-access" not in routes(app)


def test_a_network_instance_consumes_the_aggregates_only_for_a_partner_of_them(tmp_path: Path) -> None:
    wants = [{"id": "dst", "event_types": list(NETWORK_AGGREGATES.event_types), "kafka": True}]
    assert subscribed(app_of(tmp_path, "netvaerk-nordjylland", wants)) == {NETWORK_SUMMONS.name,
                                                                           NETWORK_AGGREGATES.name}
    case_only = [{"id": "sbsys", "event_types": list(NOTIFY_REQUESTS.event_types), "kafka": True}]
    assert subscribed(app_of(tmp_path, "netvaerk-nordjylland", case_only)) == {NETWORK_SUMMONS.name}


def test_the_district_document_says_which_instance_is_the_network(tmp_path: Path) -> None:
    init(tmp_path / "district", "nordjylland", ["820", "851"], "t")
    district_file = tmp_path / "district" / "district.json"
    network = NotifySettings(infohus_org="netvaerk-nordjylland", infohus_district_file=district_file)
    municipality = NotifySettings(infohus_org="kommune-820", infohus_district_file=district_file)
    police = NotifySettings(infohus_org="politi-nordjylland", infohus_regime="rhl", infohus_district_file=district_file)
    assert (network.network_instance, municipality.network_instance, police.network_instance) == (True, False, False)


def test_a_municipality_instance_still_consumes_the_case_topics(tmp_path: Path) -> None:
    app = app_of(tmp_path, "kommune-820")
    assert not app.state.notify.settings.network_instance
    assert {NOTIFY_REQUESTS.name, ERASURE.name, NETWORK_SUMMONS.name} <= subscribed(app)
    assert "/api/v1/subject-access" in routes(app)


@pytest.mark.parametrize("table", NETWORK_TABLES, ids=lambda t: t.__tablename__)
def test_a_network_instance_holds_no_case_data_class(table: Any) -> None:
    classes = {DataClass(v) for v in table.__data_classes__.values()}
    assert not classes & CASE_CLASSES, table.__tablename__
    person_level = {f"{table.__tablename__}.{column}" for column, value in table.__data_classes__.items()
                    if DataClass(value) not in (DataClass.PROCESS, DataClass.AGGREGATE, DataClass.GENERAL_KNOWLEDGE)}
    assert person_level <= PERSON_COLUMNS, table.__tablename__
