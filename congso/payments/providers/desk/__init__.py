"""Cash, bank transfer and postal payments recorded at the one-stop desk (domain §7).

There is no adapter and no simulator here on purpose: the officer is the provider. The officer records
the payment (:func:`congso.payments.actions.record_desk_payment`), congso issues the e-receipt, and the
dossier moves on exactly as after an online payment.
"""
