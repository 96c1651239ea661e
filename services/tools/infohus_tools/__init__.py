"""Command-line tools of an Infohus instance: they compose the services, the services never import them.

- ``python -m infohus_tools.kafka_acls apply|revoke`` — topics and ACLs from the topic catalogue
- ``python -m infohus_tools.migrations revision <service> -m ...`` — a new Alembic revision
- ``python -m infohus_tools.verify_log`` — check every service's hash-chained processing log
- ``python -m infohus_tools.devidp token|users`` — the development identity provider's tokens
- ``python -m infohus_tools.subject_access --out F`` — an art. 15 export from a running instance
- ``python -m infohus_tools.share_preview --concern ID --recipient KIND`` — what would be shared
"""
