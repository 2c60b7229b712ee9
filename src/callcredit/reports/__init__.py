"""Summaries and exports of credit requests and decisions."""
