"""Event contracts shared by the Infohus services: versioned topics, pydantic bodies, data classes."""
