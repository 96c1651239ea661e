"""The network's use cases (Infohus Netværk, the district forum), one module per feature.

- ``district``: the police district, its meeting cadence, its members and municipalities.
- ``meetings``: planning, agenda, summons, attendance and minutes of the forum's meetings.
- ``engagement``: attendance and contributions per municipality over the last meetings.
- ``knowledge``: knowledge posts (vidensdeling), their search and their attachments.
- ``statistics``: the municipalities' aggregates as received, and the district's combined statistics.
- ``shared``: what they share: the settings, the district's config, the free-text screen.

Routes and handlers call these; these are the only callers of ``stage_event``. Every free text goes
through ``shared.screen_free_text`` before it is stored.
"""
