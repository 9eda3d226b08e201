"""Signals of the complaint lifecycle, for the apps above it (notify): they may react, never be imported here.

``complaint_changed`` is sent inside the action's transaction, after the complaint row is saved, so what a
receiver writes (the notifications to the sender) commits or rolls back together with the change.
"""

from django.dispatch import Signal

# kwargs: complaint (the saved Complaint), status (its new ComplaintStatus value)
complaint_changed = Signal()
