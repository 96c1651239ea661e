"""The web interface of the municipal infohus: server-rendered Danish pages over the services' APIs."""
