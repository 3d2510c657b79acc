"""Endpoints for desk and room bookings, availability and who's in."""
