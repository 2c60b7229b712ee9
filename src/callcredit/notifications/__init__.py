"""The notification outbox and its SMTP sender."""
