"""Funnel figures from the event history (SQL aggregates): one set for digest, report, export."""
