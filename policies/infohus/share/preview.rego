# "What would be shared?" for compliance staff:
# POST /v1/data/infohus/share/preview. The input is that of the decision,
# with fields: [{"name": ..., "data_class": ...}] instead of data_classes.
# Each field is evaluated as a share of its one data class; nothing is sent.
package infohus.share

default preview_fields := []

preview_fields := req.fields if is_array(req.fields)

field_results := [result |
	some f in preview_fields
	field_class := object.get(f, "data_class", "")
	one := object.union(object.remove(req, ["fields", "data_classes"]), {"data_classes": [field_class]})
	d := decision with input as one
	result := {
		"name": object.get(f, "name", null),
		"data_class": field_class,
		"shared": d.allow,
		"reasons": d.reasons,
		"legal_basis": d.legal_basis,
		"obligations": d.obligations,
	}
]

preview := object.union(
	{
		"recipient": object.get(req, "recipient", null),
		"purpose": object.get(req, "purpose", null),
		"fields": field_results,
		"would_share": [r.name | some r in field_results; r.shared],
		"withheld": [r.name | some r in field_results; not r.shared],
		"obligations": sort({o | some r in field_results; some o in r.obligations}),
		"policy_version": policy_version,
	},
	reroute_out,
)
