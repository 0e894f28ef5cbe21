"""Scheduled and background work: plain, clock-injected functions the runner and worker call."""
