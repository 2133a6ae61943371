"""Dialplan configuration: model, loader, validation, calendar, numbers, routing."""
