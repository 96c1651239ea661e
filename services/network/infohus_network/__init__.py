"""Network: the district forum (Infohus Netværk). Aggregate-only by construction: it never sees a case."""
