# The share decision, the sender's end of a message to another organisation.
#   A share with action "exchange" goes to a named organisation of the district
#   over the exchange cluster. On top of every rule of the share decision, it is
#   allowed only when the district's trust list (data.infohus.district, the
#   district document) holds both organisations and an agreement for this
#   message type from this sender to this recipient covers the data classes and
#   the purpose. The agreement's legal basis is cited with the rest.
package infohus.share

district := data.infohus.district

sender_org := object.get(req, ["sender", "org"], "")

recipient_org := object.get(req, ["recipient", "org"], "")

message_type := object.get(req, "message_type", "")

district_loaded if is_object(data.infohus.district.organisations)

org_kind(org) := district.organisations[org].kind

agreement_end(end, org) if end == org

agreement_end(end, org) if end == org_kind(org)

exchange_agreements contains a if {
	action == "exchange"
	sender_org != recipient_org
	some a in district.agreements
	a.type == message_type
	agreement_end(a.from, sender_org)
	agreement_end(a.to, recipient_org)
}

deny contains "no district trust list is loaded (data.infohus.district): nothing may go to another organisation" if {
	action == "exchange"
	not district_loaded
}

deny contains msg if {
	action == "exchange"
	district_loaded
	some org in [sender_org, recipient_org]
	not district.organisations[org]
	msg := sprintf("organisation '%s' is not in the district's trust list", [org])
}

deny contains "a message to another organisation must name another organisation as recipient" if {
	action == "exchange"
	sender_org == recipient_org
}

deny contains "a message to another organisation needs its message_type" if {
	action == "exchange"
	message_type == ""
}

deny contains msg if {
	action == "exchange"
	district_loaded
	message_type != ""
	count(exchange_agreements) == 0
	msg := sprintf("no agreement of the district for '%s' from '%s' to '%s'", [message_type, sender_org, recipient_org])
}

deny contains msg if {
	some a in exchange_agreements
	outside := classes - {c | some c in a.data_classes}
	count(outside) > 0
	msg := sprintf("the agreement for '%s' does not cover %s", [message_type, concat(", ", sort(outside))])
}

deny contains msg if {
	some a in exchange_agreements
	a.purpose != purpose
	msg := sprintf("the agreement for '%s' is for purpose '%s', not '%s'", [message_type, a.purpose, purpose])
}

legal_basis contains b if {
	some a in exchange_agreements
	some b in a.legal_basis
}
