"""Funnel figures from the event history (SQL aggregates), the same for digest, report and export."""
