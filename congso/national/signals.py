"""Signals of the DVCQG adapter, for the apps above it (DESIGN §3: they may react, never be imported here).

``sync_acknowledged`` is sent inside the transaction of ``outbox.record_success`` when DVCQG acknowledges a
dossier for the first time, so a receiver's writes (the KPI summaries) commit or roll back with it.
"""

from django.dispatch import Signal

# kwargs: dossier_id (int), at (datetime of the acknowledgement)
sync_acknowledged = Signal()
