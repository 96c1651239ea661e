package infohus.share_test

import data.infohus.share

preview_input := object.union(object.remove(base, ["data_classes"]), {
	"recipient": {"kind": "psychiatry", "org": "region-nord-psykiatri"},
	"subject": {"age": 22},
	"flags": {"socially_vulnerable": true},
	"stated_basis": {"special_category": "dbl_7_4"},
	"fields": [
		{"name": "name", "data_class": "identity"},
		{"name": "ideology", "data_class": "special_category"},
		{"name": "convictions", "data_class": "criminal"},
		{"name": "reporter_phone", "data_class": "reporter"},
		{"name": "mystery"},
	],
})

test_preview_lists_shared_and_withheld_fields if {
	p := share.preview with input as preview_input
	p.would_share == ["name", "ideology"]
	p.withheld == ["convictions", "reporter_phone", "mystery"]
	p.recipient.kind == "psychiatry"
	p.purpose == "prevention"
	p.policy_version == data.infohus.config.policy_version
	"record_stated_basis" in p.obligations
	"record_necessity" in p.obligations
}

test_preview_explains_each_field if {
	p := share.preview with input as preview_input
	some f in p.fields
	f.name == "convictions"
	f.shared == false
	some r in f.reasons
	contains(r, "data class 'criminal' may not be shared with 'psychiatry'")
}

test_preview_field_without_class_is_withheld if {
	p := share.preview with input as preview_input
	some f in p.fields
	f.name == "mystery"
	f.data_class == ""
	"unknown data class ''" in f.reasons
}

test_preview_ignores_data_classes_in_input if {
	p := share.preview with input as object.union(preview_input, {"data_classes": ["narrative"]})
	p.would_share == ["name", "ideology"]
}

test_preview_without_fields_is_empty if {
	p := share.preview with input as base
	p.fields == []
	p.would_share == []
	p.withheld == []
	p.obligations == []
}

test_preview_network_withholds_person_data if {
	p := share.preview with input as object.union(preview_input, {"recipient": {"kind": "network"}, "purpose": "statistics"})
	p.would_share == []
	count(p.withheld) == 5
}

test_preview_pet_eae_shows_reroute if {
	p := share.preview with input as object.union(preview_input, {"recipient": {"kind": "pet_eae"}})
	p.reroute == "local_police"
	p.would_share == []
}
