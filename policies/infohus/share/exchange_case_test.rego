package infohus.share_exchange_case_test

# The shares assessment makes between a municipality and its police district (issue 13), as the relay asks them:
# the inputs are the ones the service stages (tests/assessment/test_assessment_exchange.py).
import data.infohus.share

case_classes := ["identity", "special_category", "criminal", "social", "narrative", "process"]

agreement(message, from, to, classes) := {
	"type": sprintf("dk.infohus.x.%s.v1", [message]), "from": from, "to": to, "sensitivity": "sensitive",
	"data_classes": classes, "purpose": "prevention", "legal_basis": ["retsplejeloven § 115"],
}

district := {
	"district": "nordjylland", "version": "t",
	"organisations": {
		"kommune-820": {"kind": "municipality", "name": "Vesthimmerland", "municipalities": ["820"]},
		"kommune-851": {"kind": "municipality", "name": "Aalborg", "municipalities": ["851"]},
		"politi-nordjylland": {"kind": "police", "name": "Nordjyllands Politi", "municipalities": ["820", "851"]},
	},
	"agreements": [
		agreement("case_handed_over", "municipality", "police", case_classes),
		agreement("pet_report_filed", "police", "municipality", ["process"]),
		agreement("index_entry_added", "municipality", "police", ["identity", "process"]),
		agreement("index_lookup_answered", "police", "municipality", ["process"]),
	],
}

to_police := {
	"action": "exchange",
	"sender": {"service": "assessment", "org": "kommune-820", "regime": "gdpr"},
	"recipient": {"kind": "local_police", "org": "politi-nordjylland"},
	"acting_role": "system",
	"purpose": "prevention",
	"subject": {"municipality_code": "820", "age": 15},
}

to_municipality := {
	"action": "exchange",
	"sender": {"service": "assessment", "org": "politi-nordjylland", "regime": "rhl"},
	"recipient": {"kind": "municipal_infohus", "org": "kommune-820"},
	"acting_role": "system",
	"purpose": "prevention",
	"data_classes": ["process"],
	"necessity_reason": "Kvittering til kommunen: underretningen er journaliseret (kun procesdata).",
	"subject": {"municipality_code": "820"},
}

handover := object.union(to_police, {
	"message_type": "dk.infohus.x.case_handed_over.v1",
	"data_classes": ["identity", "narrative", "process", "social", "special_category"],
	"stated_basis": {"special_category": "dbl_7_4"},
	"necessity_reason": "Den indledende vurdering fandt akut risiko: sagen overgår straks til politiet.",
	"case_stage": "initial_assessment",
	"flags": {"imminent_risk": true, "honour_conflict": false},
})

decide(request) := d if {
	d := share.decision with input as request with data.infohus.district as district
}

test_an_imminent_risk_hand_over_is_asked_as_of_the_initial_assessment_and_allowed if {
	decide(handover).allow
}

test_the_same_hand_over_asked_as_of_the_closed_case_would_be_denied if {
	d := decide(object.union(handover, {"case_stage": "closed"}))
	not d.allow
	some r in d.reasons
	contains(r, "no further § 115 disclosures")
}

test_a_hand_over_without_its_necessity_is_denied if {
	not decide(object.remove(handover, ["necessity_reason"])).allow
}

test_an_index_entry_carries_identity_and_process_only if {
	entry := object.union(to_police, {
		"message_type": "dk.infohus.x.index_entry_added.v1", "data_classes": ["identity", "process"],
		"necessity_reason": "Kendt-andetsteds-indekset: kun et pseudonym og organisationen.",
	})
	decide(entry).allow
	d := decide(object.union(entry, {"data_classes": ["identity", "narrative", "process"]}))
	not d.allow
	some r in d.reasons
	contains(r, "does not cover narrative")
}

test_the_police_answers_only_the_municipality_of_the_subject if {
	filed := object.union(to_municipality, {"message_type": "dk.infohus.x.pet_report_filed.v1"})
	decide(filed).allow
	d := decide(object.union(filed, {"subject": {"municipality_code": "851"}}))
	not d.allow
	some r in d.reasons
	contains(r, "subject's municipality of residence")
}

test_a_lookup_answer_is_process_data_only if {
	answer := object.union(to_municipality, {"message_type": "dk.infohus.x.index_lookup_answered.v1"})
	decide(answer).allow
	not decide(object.union(answer, {"data_classes": ["identity", "process"]})).allow
}
