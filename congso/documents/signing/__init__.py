"""Digital signatures on PDFs (PAdES): a generated test PKI, signers, signing and verification.

Rules: ``shared/domain/exchange.md`` §2 (person then agency signature, Decree 30/2020 layout).
"""
