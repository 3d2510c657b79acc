"""Zones' web pages: templates, translations, static files, and what every page shares."""
