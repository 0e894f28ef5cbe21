"""Qualification and distribution rules: scoring, routing, scrubbing."""
