package infohus.share_exchange_forwarding_test

import data.infohus.share

# The district's standard agreements for the two types (infohus_tools.district.STANDARD_AGREEMENTS).
district := {
	"district": "nordjylland",
	"version": "b2-test",
	"organisations": {
		"kommune-820": {"kind": "municipality", "name": "Vesthimmerlands Kommune", "municipalities": ["820"]},
		"kommune-851": {"kind": "municipality", "name": "Aalborg Kommune", "municipalities": ["851"]},
		"politi-nordjylland": {"kind": "police", "name": "Nordjyllands Politi", "municipalities": ["820", "851"]},
		"netvaerk-nordjylland": {"kind": "network", "name": "Infohus Netværk Nordjylland", "municipalities": ["820", "851"]},
	},
	"agreements": [
		{
			"type": "dk.infohus.x.concern_forwarded.v1", "from": "municipality", "to": "municipality",
			"sensitivity": "sensitive", "purpose": "prevention",
			"data_classes": ["identity", "special_category", "criminal", "social", "narrative", "process"],
			"legal_basis": ["forvaltningsloven § 7, stk. 2 (videresendelse til rette myndighed)"],
		},
		{
			"type": "dk.infohus.x.aggregate_report.v1", "from": "municipality", "to": "network",
			"sensitivity": "aggregate", "data_classes": ["aggregate"], "purpose": "statistics",
		},
		{
			"type": "dk.infohus.x.aggregate_report.v1", "from": "police", "to": "network",
			"sensitivity": "aggregate", "data_classes": ["aggregate"], "purpose": "statistics",
		},
	],
}

# The share intake stages when it forwards a concern to the municipality of residence (as the relay asks it).
forwarded := {
	"stated_basis": {"special_category": "dbl_7_4"},
	"action": "exchange",
	"message_type": "dk.infohus.x.concern_forwarded.v1",
	"sender": {"service": "intake", "org": "kommune-820", "regime": "gdpr"},
	"recipient": {"kind": "municipal_infohus", "org": "kommune-851"},
	"acting_role": "system",
	"purpose": "prevention",
	"data_classes": ["identity", "narrative", "process", "social", "special_category"],
	"case_stage": "received",
	"necessity_reason": "Bekymringen drejer sig om en borger i Aalborg Kommune (851) og videresendes dertil.",
	"subject": {"age": 16, "municipality_code": "851"},
	"flags": {"imminent_risk": false, "honour_conflict": false, "possibly_not_radicalisation": false},
}

# The share the registry stages for the district's network, one aggregate cell.
aggregate := {
	"stated_basis": {},
	"action": "exchange",
	"message_type": "dk.infohus.x.aggregate_report.v1",
	"sender": {"service": "registry", "org": "kommune-820", "regime": "gdpr"},
	"recipient": {"kind": "network", "org": "netvaerk-nordjylland"},
	"acting_role": "system",
	"purpose": "statistics",
	"data_classes": ["aggregate"],
	"aggregate": {
		"metric": "concerns_received", "period": "2026-11",
		"cells": [{"count": 7, "suppressed": false, "municipality_code": "820"}],
	},
}

decide(request, patch) := d if {
	d := share.decision with input as object.union(request, patch) with data.infohus.district as district
}

test_a_forwarded_concern_to_the_municipality_of_residence_is_allowed if {
	d := decide(forwarded, {})
	d.allow == true
	"forvaltningsloven § 7, stk. 2 (videresendelse til rette myndighed)" in d.legal_basis
}

test_a_forwarded_concern_to_another_municipality_than_the_residence_is_denied if {
	d := decide(forwarded, {"subject": {"age": 16, "municipality_code": "820"}})
	d.allow == false
}

test_a_forwarded_concern_with_the_reporter_is_denied if {
	d := decide(forwarded, {"data_classes": ["identity", "process", "reporter"]})
	d.allow == false
}

test_an_aggregate_cell_to_the_network_is_allowed if {
	d := decide(aggregate, {})
	d.allow == true
}

test_the_police_district_sends_its_aggregates_too if {
	d := decide(aggregate, {"sender": {"service": "registry", "org": "politi-nordjylland", "regime": "rhl"}})
	d.allow == true
}
