"""Slack messages: cards, replies, modals, Home, text escaping, and the outbox queue."""
