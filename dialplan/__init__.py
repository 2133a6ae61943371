"""Dialplan configuration: model, loader, validation, calendar, numbers, admission."""
