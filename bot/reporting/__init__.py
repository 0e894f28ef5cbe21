"""Funnel figures from the event history (SQL aggregates): one definition for the digest,
the report and the export."""
