"""Append-only audit trail of credit-request transitions."""
