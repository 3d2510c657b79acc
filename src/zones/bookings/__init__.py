"""Booking: desks by the day or half-day, workshop rooms by the hour, and the rules they follow."""
