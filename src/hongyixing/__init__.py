"""Hongyixing (洪宜行): grid-based epidemic tracking and supervision platform."""

__version__ = "0.1.0"
