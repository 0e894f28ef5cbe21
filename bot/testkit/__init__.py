"""A fake Slack Web API and signed Slack payloads, for tests, the demo and benchmarks."""
