"""Onramp Wiki's test suite."""
