package infohus.exchange_test

import data.infohus.exchange

district := {
	"district": "nordjylland",
	"version": "2026-12-02.1",
	"organisations": {
		"kommune-820": {"kind": "municipality", "name": "Vesthimmerlands Kommune", "municipalities": ["820"]},
		"kommune-851": {"kind": "municipality", "name": "Aalborg Kommune", "municipalities": ["851"]},
		"politi-nordjylland": {"kind": "police", "name": "Nordjyllands Politi", "municipalities": ["820", "851"]},
		"netvaerk-nordjylland": {"kind": "network", "name": "Infohus Netværk Nordjylland", "municipalities": ["820", "851"]},
	},
	"agreements": [
		{
			"type": "dk.infohus.x.enrichment_requested.v1", "from": "municipality", "to": "police",
			"sensitivity": "sensitive", "data_classes": ["identity", "narrative", "process"], "purpose": "prevention",
			"legal_basis": ["retsplejeloven § 115 stk. 2"],
		},
		{
			"type": "dk.infohus.x.aggregate_report.v1", "from": "municipality", "to": "network",
			"sensitivity": "aggregate", "data_classes": ["aggregate"], "purpose": "statistics",
		},
	],
}

enrichment := {
	"sender": {"org": "kommune-820"},
	"recipient": {"org": "politi-nordjylland", "service": "assessment", "regime": "rhl"},
	"message_type": "dk.infohus.x.enrichment_requested.v1",
	"data_classes": ["identity", "process"],
	"signature": "verified",
	"sender_decision": {"decision_id": "d-1", "policy_version": "v1"},
}

decide(patch) := d if {
	d := exchange.accept with input as object.union(enrichment, patch) with data.infohus.district as district
}

refused_because(patch, fragment) if {
	d := decide(patch)
	d.allow == false
	some r in d.reasons
	contains(r, fragment)
}

test_an_agreed_signed_message_is_accepted_with_the_agreements_basis if {
	d := decide({})
	d.allow == true
	d.legal_basis == ["retsplejeloven § 115 stk. 2"]
	d.policy_version == sprintf("%s+2026-12-02.1", [data.infohus.config.policy_version])
}

test_unknown_sender_is_refused if {
	refused_because({"sender": {"org": "kommune-999"}}, "ikke med i distriktets tillidsliste")
}

test_unverified_signature_is_refused if {
	refused_because({"signature": "none"}, "ikke verificeret")
}

test_type_not_agreed_for_this_pair_is_refused if {
	refused_because({"recipient": {"org": "netvaerk-nordjylland"}}, "ingen aftale")
}

test_type_not_agreed_at_all_is_refused if {
	refused_because({"message_type": "dk.infohus.x.made_up.v1"}, "ingen aftale")
}

test_classes_outside_the_agreement_are_refused if {
	refused_because({"data_classes": ["identity", "special_category"]}, "dækker ikke datakategorierne special_category")
}

test_the_senders_decision_must_be_named if {
	refused_because({"sender_decision": {"decision_id": ""}}, "afgørelse")
}

test_a_message_to_oneself_is_refused if {
	refused_because({"recipient": {"org": "kommune-820"}}, "ingen aftale")
}

test_without_a_trust_list_nothing_is_accepted if {
	d := exchange.accept with input as enrichment with data.infohus.district as {}
	d.allow == false
	some r in d.reasons
	contains(r, "tillidsliste er ikke indlæst")
}

test_a_network_accepts_aggregates_only if {
	d := decide({
		"sender": {"org": "kommune-851"}, "recipient": {"org": "netvaerk-nordjylland"},
		"message_type": "dk.infohus.x.aggregate_report.v1", "data_classes": ["aggregate"],
	})
	d.allow == true
	refused_because(
		{
			"sender": {"org": "kommune-851"}, "recipient": {"org": "netvaerk-nordjylland"},
			"message_type": "dk.infohus.x.aggregate_report.v1", "data_classes": ["aggregate", "identity"],
		},
		"identity",
	)
}
