"""Code lists that both case contracts and aggregate reports use."""

from enum import StrEnum


class SourceCategory(StrEnum):
    """Who the concern came from (the sources' 14 categories)."""

    PUBLIC_SCHOOL = "public_school"
    YOUTH_ADULT_EDUCATION = "youth_adult_education"
    ASSOCIATION_VOLUNTEER = "association_volunteer"
    POLICE = "police"
    CITIZEN_INTEGRATION_CENTRE = "citizen_integration_centre"
    MUNICIPAL_CASEWORKER = "municipal_caseworker"
    KRIMINALFORSORGEN = "kriminalforsorgen"
    PARENT_RELATIVE = "parent_relative"
    NEIGHBOUR = "neighbour"
    ASYLUM_CENTRE = "asylum_centre"
    PSYCHIATRY = "psychiatry"
    PRIVATE_PERSON = "private_person"
    SOCIAL_MEDIA = "social_media"
    SOCIAL_HOUSING = "social_housing"
