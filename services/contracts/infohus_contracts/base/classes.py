"""Data classes: every field of every event and table is tagged with one.

Policies in ``policies/`` decide on these classes, never on field names, so a new field
is only shareable once somebody has said what kind of data it holds.
"""

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class DataClass(StrEnum):
    IDENTITY = "identity"
    SPECIAL_CATEGORY = "special_category"  # GDPR art. 9: ideology, religion, health/psychiatry
    CRIMINAL = "criminal"  # GDPR art. 10 / databeskyttelsesloven § 8
    SOCIAL = "social"
    NARRATIVE = "narrative"  # free text: may hold anything, treated as sensitive
    PROCESS = "process"
    REPORTER = "reporter"
    AGGREGATE = "aggregate"
    GENERAL_KNOWLEDGE = "general_knowledge"


def classified(data_class: DataClass, default: Any = ..., **kwargs: Any) -> Any:
    """A pydantic ``Field`` that records the data class of what it holds."""
    extra = dict(kwargs.pop("json_schema_extra", None) or {})
    extra["data_class"] = data_class.value
    if "default_factory" in kwargs:
        return Field(json_schema_extra=extra, **kwargs)
    return Field(default, json_schema_extra=extra, **kwargs)


def data_class_of(model: type[BaseModel], field_name: str) -> DataClass | None:
    extra = model.model_fields[field_name].json_schema_extra
    value = extra.get("data_class") if isinstance(extra, dict) else None
    return DataClass(value) if isinstance(value, str) else None


def field_classes(model: type[BaseModel], prefix: str = "") -> dict[str, DataClass | None]:
    """Flatten a model into ``{"person.name": DataClass.IDENTITY, ...}``.

    Nested models are walked; the nested model's own fields carry the classes.
    """
    out: dict[str, DataClass | None] = {}
    for name, info in model.model_fields.items():
        nested = _nested_model(info.annotation)
        if nested is not None:
            out.update(field_classes(nested, f"{prefix}{name}."))
        else:
            out[f"{prefix}{name}"] = data_class_of(model, name)
    return out


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    candidates = [annotation, *getattr(annotation, "__args__", ())]
    for candidate in candidates:
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def classes_present(instance: BaseModel) -> set[DataClass]:
    """The data classes of the fields that actually hold something in this instance."""
    present: set[DataClass] = set()
    for name in type(instance).model_fields:
        value = getattr(instance, name)
        if value is None or value == [] or value == "":
            continue
        if isinstance(value, BaseModel):
            present |= classes_present(value)
            continue
        if isinstance(value, list) and value and all(isinstance(item, BaseModel) for item in value):
            for item in value:
                present |= classes_present(item)
            continue
        data_class = data_class_of(type(instance), name)
        if data_class is not None:
            present.add(data_class)
    return present
