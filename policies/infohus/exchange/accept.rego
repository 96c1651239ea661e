# METADATA
# title: Exchange accept, the receiver's end of a message from another organisation
# description: |
#   POST /v1/data/infohus/exchange/accept. The receiving instance asks its own
#   OPA before it accepts a message that came over the exchange cluster (after
#   it verified the signature against the trust list). Allowed only when the
#   sender and the recipient are in the district's trust list
#   (data.infohus.district), an agreement covers this type from this sender to
#   this recipient with these data classes, the signature was verified and the
#   sender's own decision is named. Deny reasons are Danish: compliance staff
#   read them in the dead letters.
package infohus.exchange

district := data.infohus.district

default req := {}

req := input if is_object(input)

sender := object.get(req, ["sender", "org"], "")

recipient := object.get(req, ["recipient", "org"], "")

message_type := object.get(req, "message_type", "")

default classes := set()

classes := {c | some c in req.data_classes} if is_array(req.data_classes)

district_loaded if is_object(data.infohus.district.organisations)

kind_of(org) := district.organisations[org].kind

end_matches(end, org) if end == org

end_matches(end, org) if end == kind_of(org)

agreements contains a if {
	sender != recipient
	some a in district.agreements
	a.type == message_type
	end_matches(a.from, sender)
	end_matches(a.to, recipient)
}

default policy_version := "unknown"

policy_version := sprintf("%s+%s", [data.infohus.config.policy_version, district.version])

default allow := false

allow if count(deny) == 0

accept := {
	"allow": allow,
	"reasons": reasons,
	"legal_basis": [b | some b in legal_basis],
	"policy_version": policy_version,
}

reasons := [r | some r in deny] if not allow

reasons := [sprintf("modtaget: %s fra %s efter distriktets aftale", [message_type, sender])] if allow

legal_basis contains b if {
	allow
	some a in agreements
	some b in a.legal_basis
}

deny contains "distriktets tillidsliste er ikke indlæst: intet modtages fra andre organisationer" if not district_loaded

deny contains msg if {
	district_loaded
	not district.organisations[sender]
	msg := sprintf("afsenderen '%s' er ikke med i distriktets tillidsliste", [sender])
}

deny contains msg if {
	district_loaded
	not district.organisations[recipient]
	msg := sprintf("modtageren '%s' er ikke med i distriktets tillidsliste", [recipient])
}

deny contains "beskeden er ikke verificeret mod afsenderens nøgle" if object.get(req, "signature", "") != "verified"

deny contains "afsenderens egen afgørelse om delingen mangler" if {
	object.get(req, ["sender_decision", "decision_id"], "") == ""
}

deny contains msg if {
	district_loaded
	count(agreements) == 0
	msg := sprintf("der er ingen aftale om '%s' fra '%s' til '%s'", [message_type, sender, recipient])
}

deny contains msg if {
	some a in agreements
	outside := classes - {c | some c in a.data_classes}
	count(outside) > 0
	msg := sprintf("aftalen om '%s' dækker ikke datakategorierne %s", [message_type, concat(", ", sort(outside))])
}

deny contains "beskeden indeholder ingen datakategorier" if count(classes) == 0
