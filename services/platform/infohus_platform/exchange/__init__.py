"""Messages between organisations of a district, over the district's exchange cluster.

A service stages a message for a named organisation (``outbound.stage_exchange``) in its own transaction, like
any event; the outbox relay asks the sender's OPA about the share to that organisation, adds the decision to the
headers, signs it (``signing``) and publishes it on the link topic. The recipient's exchange receiver
(``inbound``) verifies the signature against the district's trust list, asks its own OPA whether it accepts this
type from this sender (``infohus/exchange/accept``), and only then hands the body to its handler, in one
transaction with the inbox and a receipt that keeps both decisions (``ExchangeReceipt``). Anything refused is
counted and dead-lettered on the instance's own cluster without its body; while OPA cannot be asked, nothing is
accepted and nothing is lost.
"""
