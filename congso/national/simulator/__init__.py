"""A simulator of the National Public Service Portal (DVCQG), mounted at ``/sim/dvcqg/`` in development and tests.

It plays DVCQG's part of :mod:`congso.national.protocol` against the province: it holds citizens' online
dossiers, notifies the province by a signed webhook, answers polling, receives the dossier and progress syncs,
and serves a national procedure catalog that differs deterministically from the local one (see :mod:`.catalog`).
"""
