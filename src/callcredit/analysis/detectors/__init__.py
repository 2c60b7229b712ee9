"""Detectors: small pure functions that turn a scanned call into cues."""
