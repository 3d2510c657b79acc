"""Calendar text: any summary or location round-trips exactly, lines fold at 75 octets with CRLF,
and VTIMEZONEs carry yearly rules that agree with the time zone database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from calendar_support import assert_wire_format, ical_js, require_ical_js
from zones.calendar.events import CalendarConfig, EventFacts, Person, calendar, event, to_text
from zones.calendar.timezones import current_rule, parse_posix, vtimezone

# Text people type: any printable character (emoji included) plus newlines; iCalendar cannot carry
# other control characters, so names never contain them.
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x7f")
    | st.sampled_from([",", ";", "\\", "\n", ":", '"', "😀", "æ", "ø", "å", "🏢"]),
    min_size=1,
    max_size=200,
)


def _facts(summary: str, location: str, index: int = 0) -> EventFacts:
    start = datetime(2026, 6, 2, 7, 0, tzinfo=UTC) + timedelta(days=index)
    return EventFacts(
        uid=f"prop-{index}@zones.test",
        sequence=index,
        summary=summary,
        location=location,
        start=start,
        end=start + timedelta(hours=9),
        timezone="Europe/Copenhagen",
        url="https://zones.test/bookings/1",
        attendees=[Person("ann@example.org", 'Ann; "the" Holm, Jr.')],
        transparent=True,
        cancelled=False,
        stamp=datetime(2026, 6, 1, tzinfo=UTC),
    )


@settings(max_examples=200, deadline=None)
@given(summary=TEXT, location=TEXT)
def test_summary_and_location_round_trip_exactly_and_lines_fold_at_75_octets(
    summary: str, location: str
) -> None:
    text = to_text(
        calendar("REQUEST", [event(_facts(summary, location), CalendarConfig())], {"Europe/Copenhagen"})
    )
    assert_wire_format(text)
    vevent = Calendar.from_ical(text).events[0]
    assert str(vevent["SUMMARY"]) == summary
    assert str(vevent["LOCATION"]) == location


def test_the_same_awkward_texts_survive_ical_js() -> None:
    require_ical_js()
    texts = [
        "Desk D-12 · Quiet zone",
        "Kitchen, 2nd floor; by the window",
        "C:\\path\\to\\desk",
        "Two\nlines\nhere",
        "😀🏢 emoji and æøå",
        "a" * 300,
        "ends with backslash \\",
        'quote " and colon : mixed, ; \\',
        "Ω≈ç√∫˜µ≤≥÷ — long " + "é" * 90,
    ]
    facts = [_facts(t, t[::-1], i) for i, t in enumerate(texts)]
    text = to_text(calendar("PUBLISH", [event(f, CalendarConfig()) for f in facts], {"Europe/Copenhagen"}))
    assert_wire_format(text)
    seen = ical_js(text)
    assert [e["summary"] for e in seen["events"]] == texts
    assert [e["location"] for e in seen["events"]] == [t[::-1] for t in texts]


@pytest.mark.parametrize(
    ("posix", "std_hours", "dst_hours"),
    [("CET-1CEST,M3.5.0,M10.5.0/3", 1, 2), ("EST5EDT,M3.2.0,M11.1.0", -5, -4), ("<+0530>-5:30", 5.5, None)],
)
def test_posix_rules_are_read_with_the_right_sign(
    posix: str, std_hours: float, dst_hours: float | None
) -> None:
    rule = parse_posix(posix)
    assert rule is not None
    assert rule.std_offset == timedelta(hours=std_hours)
    assert (rule.dst_offset == timedelta(hours=dst_hours)) if dst_hours else rule.dst_offset is None


@pytest.mark.parametrize(
    "tzid", ["Europe/Copenhagen", "America/New_York", "Europe/London", "Australia/Sydney", "Asia/Tokyo"]
)
def test_vtimezone_rules_agree_with_the_time_zone_database_for_years(tzid: str) -> None:
    """The yearly rule we write must give zoneinfo's offset and DST flag on every date we check."""
    rule = current_rule(tzid)
    assert rule is not None
    component = vtimezone(tzid)
    text = component.to_ical().decode()
    assert "RDATE" not in text, "Outlook ignores RDATEs in VTIMEZONE; yearly RRULEs only"
    zone = ZoneInfo(tzid)
    # Noon on the 1st and 15th of every month for three years: the rule must give zoneinfo's offset.
    for year in (2026, 2027, 2028):
        for month in range(1, 13):
            for day in (1, 15):
                moment = datetime(year, month, day, 12, tzinfo=zone)
                expected = moment.utcoffset()
                in_dst = rule.dst_offset is not None and expected == rule.dst_offset
                assert expected in (rule.std_offset, rule.dst_offset), (tzid, moment)
                assert in_dst == bool(moment.dst()), (tzid, moment)


def test_every_vtimezone_we_emit_converts_like_zoneinfo_in_ical_js() -> None:
    require_ical_js()
    zones = ["Europe/Copenhagen", "America/New_York", "Australia/Sydney", "Asia/Tokyo", "Europe/London"]
    facts = []
    for tzid in zones:
        for month in (1, 4, 7, 10):
            start = datetime(2027, month, 15, 9, 0, tzinfo=ZoneInfo(tzid)).astimezone(UTC)
            facts.append(
                EventFacts(
                    uid=f"{tzid}-{month}",
                    sequence=0,
                    summary=tzid,
                    location="x",
                    start=start,
                    end=start + timedelta(hours=1),
                    timezone=tzid,
                    url="https://zones.test",
                    attendees=[],
                    transparent=True,
                    cancelled=False,
                    stamp=datetime(2027, 1, 1, tzinfo=UTC),
                )
            )
    text = to_text(calendar("PUBLISH", [event(f, CalendarConfig()) for f in facts], set(zones)))
    seen = ical_js(text)
    for fact, parsed in zip(facts, seen["events"], strict=True):
        assert parsed["start_utc"] == fact.start.strftime("%Y-%m-%dT%H:%M:%S.000Z"), parsed
        assert parsed["start_local"].endswith("T09:00:00")
