"""The audit part: the processing log (one write API), erasure with its proofs, and art. 15 access."""
