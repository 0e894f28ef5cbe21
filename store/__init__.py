"""Persistence: tables, sessions, queries and migrations. The only package that writes SQL."""
