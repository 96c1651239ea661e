"""Danish words for the API's codes. Code and API stay English; the user interface speaks Danish."""

from typing import Any

from infohus_platform.devidp import DEMO_USERS

CHANNELS = {
    "phone": "Telefon", "email": "E-mail", "in_person": "Personligt fremmøde",
    "police_daily_report": "Politiets døgnrapport", "hotline": "Den nationale hotline", "web": "Webformular",
}

SOURCES = {
    "public_school": "Folkeskole (lærer, vejleder, pædagog)",
    "youth_adult_education": "Ungdoms- og voksenuddannelse (fx VUC)",
    "association_volunteer": "Frivillig i forening (fx idrætsklub)",
    "police": "Politiet",
    "citizen_integration_centre": "Borger- og integrationscenter",
    "municipal_caseworker": "Kommunal sagsbehandler",
    "kriminalforsorgen": "Kriminalforsorgen",
    "parent_relative": "Forælder eller pårørende",
    "neighbour": "Nabo",
    "asylum_centre": "Asylcenter",
    "psychiatry": "Psykiatrien",
    "private_person": "Privatperson",
    "social_media": "Sociale medier",
    "social_housing": "Boligsocialt projekt",
}

CONCERN_SIGNS = {
    "readiness_for_violence": "Parathed til vold",
    "conflict_travel_or_training": "Rejse til konfliktzone eller træning",
    "seeks_extremist_material": "Opsøger ekstremistisk materiale",
    "threatens_or_pressures": "Truer eller presser andre",
    "hateful_events": "Deltager i hadefulde begivenheder",
    "spreads_violent_messages": "Spreder voldelige budskaber",
    "preoccupied_with_cause": "Optaget af en sag eller ideologi",
    "contempt_for_others": "Foragt for andre grupper",
    "preaching_moralising": "Prædiker eller moraliserer",
    "extremist_symbols": "Ekstremistiske symboler",
    "weapons_milieu": "Våben eller voldeligt miljø",
    "personal_crisis": "Personlig krise",
}

FLAGS = {
    "imminent_risk": "Mulig overhængende sikkerhedsrisiko",
    "honour_conflict": "Mulig æresrelateret konflikt",
    "possibly_not_radicalisation": "Handler muligvis ikke om radikalisering",
}

STAGES = {
    "received": "Modtaget", "initial_assessment": "Indledende vurdering", "enrichment": "Berigelse",
    "decision": "Beslutning", "effort": "Indsats", "follow_up": "Opfølgning", "closed": "Lukket",
}

LEADS = {"ssp_coordinator": "SSP-koordinator (under 18)", "local_police": "Lokalpolitiet (18 og over)"}

APPROACHES = {
    "internal": "Internt i kommunen",
    "ssp_meeting": "På et SSP-møde med lokalpolitiet",
    "joint_with_police_coordinator": "Sammen med politiets koordinator",
    "police_alone": "Sendt til politiets koordinator, politiet vurderer",
}

OUTCOMES = {
    "upheld": "Bekymringen er begrundet – kvalificeres i infohuset",
    "unfounded": "Ubegrundet – sagen lukkes",
    "not_radicalisation": "Ikke radikalisering – videresendes",
    "imminent_risk": "Overhængende sikkerhedsrisiko – politiet overtager",
    "honour_related": "Æresrelateret konflikt – sikkerhedskonsulenterne",
}

AUTHORITIES = {
    "social_services_u18": "Socialforvaltningen, børn og unge under 18",
    "social_services_18plus": "Socialforvaltningen, voksne 18+",
    "employment_education": "Beskæftigelse og uddannelse (jobcenter)",
    "local_police": "Lokalpolitiet",
    "psychiatry": "Psykiatrien",
    "kriminalforsorgen": "Kriminalforsorgen",
    "ad_hoc": "Anden myndighed (ad hoc)",
}

CONCERN_LEVELS = {"ubegrundet": "Ubegrundet", "lav": "Lav", "moderat": "Moderat", "hoej": "Høj", "akut": "Akut"}

EFFORT_LEVELS = {
    "general": "Opbyggende indsats", "preventive": "Foregribende indsats", "intervening": "Indgribende indsats",
}

MEASURES = {
    "concern_conversation": "Bekymringssamtale", "mentor": "Mentor", "parent_coaching": "Forældrecoaching",
    "family_support": "Familiestøtte", "education_employment": "Uddannelse eller beskæftigelse",
    "exit_programme": "Exitprogram", "psychiatric_referral": "Henvisning til psykiatrien", "other": "Andet",
}

CADENCES = {"biweekly": "Hver anden uge", "quarterly": "Hvert kvartal", "ad_hoc": "Efter behov"}

MEETING_KINDS = {
    "regular": "Ordinært møde (hver anden måned)", "urgent": "Hastemøde (inden for en uge)",
    "next_day": "Møde med en dags varsel",
}

DATA_CLASSES = {
    "identity": "Identitet", "special_category": "Følsomme oplysninger (art. 9)",
    "criminal": "Strafbare forhold (art. 10)", "social": "Sociale forhold", "narrative": "Fritekst",
    "process": "Sagsforløb", "reporter": "Anmelder", "aggregate": "Optællinger", "general_knowledge": "Generel viden",
}

REQUEST_STATUS = {"requested": "Afventer svar", "answered": "Besvaret"}

APPROVAL = {"not_required": "Kræver ikke godkendelse", "pending": "Afventer ledelsens godkendelse",
            "approved": "Godkendt af ledelsen"}

PET_STATUS = {"not_requested": "Ingen indberetning", "awaiting_signoff": "Afventer anden persons godkendelse",
              "signed_off": "Godkendt af anden person – sendes via lokalpolitiet"}

EVENT_TYPES = {
    "case.opened": "Sagen er oprettet",
    "case.initial_assessment_made": "Indledende vurdering",
    "case.enrichment_requested": "Berigelse anmodet",
    "case.enrichment_answered": "Berigelse besvaret",
    "case.assessed": "Vurdering med værktøjet",
    "case.decided": "Beslutning truffet",
    "case.decision_approved": "Godkendt af ledelsen",
    "case.pet_report_signed_off": "Indberetning til PET godkendt af anden person",
    "case.lead_changed": "Tovholder skiftet",
    "case.underretning_recorded": "Underretning registreret",
    "case.follow_up_recorded": "Opfølgning",
    "case.closed": "Sagen er lukket",
}

# What became of the event the step put on Kafka (the outbox row): shared only after OPA allowed it.
OUTBOX_STATUS = {"pending": "Venter på at blive delt med de andre tjenester",
                 "published": "Delt med de andre tjenester efter politikkens godkendelse",
                 "denied": "Ikke delt: politikken afviste delingen"}

ROLES = {
    "ssp_coordinator": "SSP-koordinator", "police_coordinator": "Politiets koordinator",
    "registration_coordinator": "Registreringsansvarlig", "leadership": "Ledelse",
    "authority_caseworker": "Sagsbehandler hos myndighed", "network_member": "Medlem af Infohus Netværk",
    "compliance_officer": "Databeskyttelse (DPO)", "partner_system": "Partnersystem", "admin": "Drift",
}

RECIPIENT_KINDS = {
    "municipal_infohus": "Infohus Kommune", "local_police": "Lokalpolitiet",
    "social_services_u18": "Socialforvaltningen, under 18", "social_services_18plus": "Socialforvaltningen, 18+",
    "employment_education": "Beskæftigelse og uddannelse", "psychiatry": "Psykiatrien",
    "kriminalforsorgen": "Kriminalforsorgen", "self_governing_institution": "Selvejende institution",
    "regional_infohus": "Regionalt infohus", "pet_eae": "PET / EAE", "network": "Infohus Netværk",
    "partner_system": "Partnersystem", "reporter": "Anmelderen",
    "child_family_counselling": "Børne- og Familierådgivningen",
    "security_consultants": "Sikkerhedskonsulenterne", "data_subject": "Den registrerede selv",
    "leadership": "Ledelsen", "internal": "Internt (egen myndighed)",
}

PURPOSES = {
    "prevention": "Forebyggelse (§ 115)", "statistics": "Statistik", "duty_to_inform": "Oplysningspligt",
    "access_request": "Indsigtsanmodning", "underretning": "Underretning",
    "reporter_feedback": "Tilbagemelding til anmelder",
    "investigation": "Efterforskning (aldrig tilladt)",
}
# Purposes the access policy gives in the processing log, beside the sharing purposes above.
LOG_PURPOSES = PURPOSES | {"compliance": "Tilsyn (databeskyttelse)", "maintenance": "Drift",
                           "knowledge_sharing": "Videndeling"}

OUTCOMES_SHORT = {
    "upheld": "Begrundet", "unfounded": "Ubegrundet", "not_radicalisation": "Ikke radikalisering",
    "imminent_risk": "Sikkerhedsrisiko", "honour_related": "Æresrelateret", "ukendt": "Ikke vurderet",
}

AGE_BANDS = {"0-14": "0–14 år", "15-17": "15–17 år", "18-24": "18–24 år", "25-34": "25–34 år",
             "35+": "35 år og over",
             "unknown": "Ukendt alder"}

SERVICES = {"intake": "Modtagelse", "assessment": "Sagsbehandling", "registry": "Grundregistrering",
            "network": "Netværk", "notify": "Underretninger og breve"}

ACTIONS = {
    "concern.create": "Oprettede henvendelse", "case.read": "Læste sagen", "case.list": "Så sagslisten",
    "case.history": "Så sagens forløb", "case.initial_assessment": "Indledende vurdering",
    "case.enrichment.request": "Anmodede om berigelse", "enrichment.answer": "Besvarede berigelse",
    "case.assess": "Vurderede sagen", "case.decide": "Traf beslutning", "case.decision.approve": "Godkendte beslutning",
    "case.pet.signoff": "Godkendte PET-indberetning", "case.follow_up": "Registrerede opfølgning",
    "case.close": "Lukkede sagen", "case.underretning": "Registrerede underretning",
    "registration.read": "Læste grundregistreringen", "registration.list": "Så grundregistreringen i en liste",
    "registration.create": "Oprettede grundregistrering",
    "case.open": "Oprettede sagen", "case.assessment.compare": "Sammenlignede vurderinger",
    "enrichment.list": "Så forespørgslerne", "processing_log.read": "Læste behandlingsloggen",
    "processing_log.export": "Udtræk til indsigt (art. 15)",
    "compliance.preview": "Forhåndsviste en deling",
}


def action_label(code: object) -> str:
    """A processing-log action in Danish; composite actions (``share:<topic>``) keep their detail."""
    text = str(code or "")
    if text in ACTIONS:
        return ACTIONS[text]
    head, _, rest = text.partition(":")
    if head == "share":
        return f"Delte en hændelse ({rest})"
    if head == "registration.update":
        return f"Opdaterede grundregistreringen: {EVENT_TYPES.get(rest, rest).lower()}"
    if head == "send":
        channel, _, kind = rest.partition(":")
        return f"Sendte besked ({channel}, {kind})"
    return text or "–"


def label(table: dict[str, str], code: object) -> str:
    """The Danish word for a code; an unknown code is shown as it is."""
    if code is None:
        return "–"
    return table.get(str(code), str(code))


_NAMES = {user["sub"]: user["name"] for user in DEMO_USERS.values()}


def actor_name(user_id: Any) -> str:
    """A user id as a name where the development directory knows it; the id otherwise."""
    if not user_id:
        return "–"
    text = str(user_id)
    if text.startswith("service:"):
        return f"Tjenesten {label(SERVICES, text.removeprefix('service:')).lower()}"
    if text.startswith("system:"):
        return "Systemet (automatisk)"
    return _NAMES.get(text, text)


ALL = {
    "channels": CHANNELS, "sources": SOURCES, "signs": CONCERN_SIGNS, "flags": FLAGS, "stages": STAGES,
    "leads": LEADS, "approaches": APPROACHES, "outcomes": OUTCOMES, "authorities": AUTHORITIES,
    "concern_levels": CONCERN_LEVELS, "effort_levels": EFFORT_LEVELS, "measures": MEASURES, "cadences": CADENCES,
    "meeting_kinds": MEETING_KINDS, "data_classes": DATA_CLASSES, "request_status": REQUEST_STATUS,
    "approval": APPROVAL, "pet_status": PET_STATUS, "event_types": EVENT_TYPES, "outbox_status": OUTBOX_STATUS,
    "roles": ROLES, "recipient_kinds": RECIPIENT_KINDS, "purposes": PURPOSES, "outcomes_short": OUTCOMES_SHORT,
    "age_bands": AGE_BANDS, "services": SERVICES, "actions": ACTIONS, "log_purposes": LOG_PURPOSES,
}
