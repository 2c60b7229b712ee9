"""callcredit: review pay-per-call credit requests against the call recording."""

__version__ = "0.1.0"
