"""A bank or e-wallet gateway speaking the common Vietnamese redirect-and-IPN protocol (``vnp_*`` parameters)."""
