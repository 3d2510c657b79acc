"""Calendars: iTIP invites (RFC 5546) over e-mail (RFC 6047), the outbox that carries them, feeds."""
