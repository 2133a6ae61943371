"""Ticketing application: domain, storage, outbox, notifications."""
