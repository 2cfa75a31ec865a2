"""Lapor: complaint routing and SLA monitoring for public agencies."""

__version__ = "0.1.0"
