"""What the payment simulators remember (their own tables, ``paysim_*``), shared by both simulators.

The simulators stand in for the national Payment Platform and a bank gateway in tests and in
``make run``; they are mounted only while no real provider URL is configured.
"""
