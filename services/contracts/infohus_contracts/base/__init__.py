"""The base contracts: what every service, the district network included, may import.

The ``Contract`` model, data classes, the CPR and date rules, municipalities and police districts,
CloudEvents attributes, the topic catalogue's ``Topic``, and the aggregate reports the network
receives. Nothing here describes an individual concern or case: that is ``infohus_contracts.case``,
which the network may not import (an import-linter contract in the root ``pyproject.toml``).
"""
