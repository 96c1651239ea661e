"""The answers built from a domain rule's result take its fields from the domain type (``fields_of``)."""

import dataclasses
import typing

import pytest
from pydantic import BaseModel

from infohus_network import domain, schemas


@pytest.mark.parametrize(("model", "source"), [
    (schemas.CombinedCellPublic, domain.Combined),
    (schemas.MunicipalityEngagementPublic, domain.MunicipalityEngagement),
    (schemas.EngagementMeetingPublic, domain.EngagementMeeting),
])
def test_a_derived_answer_has_the_domain_types_fields_in_order_all_required(model: type[BaseModel],
                                                                            source: type) -> None:
    names = ([f.name for f in dataclasses.fields(source)] if dataclasses.is_dataclass(source)
             else list(typing.get_type_hints(source)))
    assert list(model.model_fields) == names
    assert all(field.is_required() for field in model.model_fields.values())
    assert model.__name__ == model.model_json_schema()["title"]  # the OpenAPI name stays the API's


def test_a_derived_answer_keeps_the_apis_descriptions() -> None:
    assert schemas.CombinedCellPublic.model_fields["count"].description == "null when suppressed"
    status = schemas.MunicipalityEngagementPublic.model_fields["status"]
    assert status.description == "engaged | drifting | not_represented"


def test_a_rule_result_validates_into_its_answer() -> None:
    (cell,) = domain.combine([domain.Part("851", "2026-11", "concerns_received", None, 12, False, 5)], 5)
    assert schemas.CombinedCellPublic.model_validate(cell, from_attributes=True).model_dump() == cell.as_dict()


def test_an_override_of_a_field_the_domain_type_lacks_is_an_error() -> None:
    with pytest.raises(TypeError, match="no field colour"):
        schemas.fields_of(domain.Combined, colour=(str, ...))
