"""What every part shares: stages, errors users read, the clock, capped HTTP bodies."""
