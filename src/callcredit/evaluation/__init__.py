"""Measure the analysis against a labelled manifest (``callcredit eval``)."""
