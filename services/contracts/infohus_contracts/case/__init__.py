"""The case contracts: concerns, case events, notification requests and the case topics.

Everything here may describe an individual person or case. The district network never imports it.
"""
