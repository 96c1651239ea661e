"""Registry: the restricted basic registration (grundregistrering), statistics and aggregates."""
