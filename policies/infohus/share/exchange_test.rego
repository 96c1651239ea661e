package infohus.share_exchange_test

import data.infohus.exchange_test.district
import data.infohus.share

request := {
	"action": "exchange",
	"message_type": "dk.infohus.x.enrichment_requested.v1",
	"sender": {"service": "assessment", "org": "kommune-820", "regime": "gdpr"},
	"recipient": {"kind": "local_police", "org": "politi-nordjylland"},
	"acting_role": "system",
	"purpose": "prevention",
	"data_classes": ["identity", "process"],
	"case_stage": "enrichment",
	"necessity_reason": "Politiets viden om personen er nødvendig for vurderingen",
	"subject": {"age": 16, "municipality_code": "820"},
}

decide(patch) := d if {
	d := share.decision with input as object.union(request, patch) with data.infohus.district as district
}

denied_because(patch, fragment) if {
	d := decide(patch)
	d.allow == false
	some r in d.reasons
	contains(r, fragment)
}

test_an_agreed_share_to_the_police_district_is_allowed_and_cites_the_agreement if {
	d := decide({})
	d.allow == true
	"retsplejeloven § 115 stk. 2" in d.legal_basis
}

test_an_organisation_outside_the_district_is_denied if {
	denied_because({"recipient": {"kind": "local_police", "org": "politi-syd"}}, "not in the district's trust list")
}

test_an_unagreed_type_is_denied if {
	denied_because({"message_type": "dk.infohus.x.case_handed_over.v1"}, "no agreement of the district")
}

test_classes_beyond_the_agreement_are_denied if {
	denied_because({"data_classes": ["identity", "criminal"], "stated_basis": {"criminal": "dbl_8_2_3"}}, "does not cover criminal")
}

test_without_a_trust_list_nothing_goes_to_another_organisation if {
	d := share.decision with input as request with data.infohus.district as {}
	d.allow == false
}

test_the_network_gets_nothing_but_aggregates_even_under_an_agreement if {
	denied_because(
		{
			"message_type": "dk.infohus.x.aggregate_report.v1", "recipient": {"kind": "network", "org": "netvaerk-nordjylland"},
			"purpose": "statistics", "data_classes": ["aggregate", "identity"],
		},
		"identity",
	)
}
