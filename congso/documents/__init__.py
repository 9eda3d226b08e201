"""Documents: the printed one-stop-shop forms (Circular 03/2025/TT-VPCP) rendered as PDF."""
