"""Fake vendor control planes: real HTTP servers that behave as a vendor's API does."""
