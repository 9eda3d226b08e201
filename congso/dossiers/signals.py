"""Signals of the dossier engine, for the apps above it (DESIGN §3: they may react, never be imported here).

``dossier_changed`` is sent inside the action's transaction, after the dossier row is saved, with the
events the action appended. A receiver that writes rows (the DVCQG outbox) therefore commits or rolls
back together with the change it reports.
"""

from django.dispatch import Signal

# kwargs: dossier (the saved Dossier), events (list[DossierEvent], in order)
dossier_changed = Signal()
