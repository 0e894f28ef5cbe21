"""Funnel figures from the event history (SQL aggregates), alike in digest, report and export."""
