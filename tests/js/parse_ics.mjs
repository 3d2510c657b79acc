// Parse iCalendar text from stdin with ical.js in strict mode and print what it understood as JSON.
// Times are converted to UTC with the VTIMEZONE definitions in the file itself, as Thunderbird does.
import ICAL from "ical.js";

ICAL.design.strict = true;

let input = "";
for await (const chunk of process.stdin) input += chunk;

try {
  const root = new ICAL.Component(ICAL.parse(input));
  for (const zone of root.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(zone);
  }
  const events = root.getAllSubcomponents("vevent").map((component) => {
    const event = new ICAL.Event(component);
    return {
      uid: event.uid,
      sequence: event.sequence,
      summary: event.summary,
      location: event.location,
      status: component.getFirstPropertyValue("status"),
      transp: component.getFirstPropertyValue("transp"),
      tzid: event.startDate.zone ? event.startDate.zone.tzid : null,
      start_local: event.startDate.toString(),
      start_utc: event.startDate.toJSDate().toISOString(),
      end_utc: event.endDate.toJSDate().toISOString(),
      organizer: component.getFirstPropertyValue("organizer"),
      attendees: component.getAllProperties("attendee").map((p) => ({
        address: p.getFirstValue(),
        partstat: p.getParameter("partstat"),
        rsvp: p.getParameter("rsvp"),
      })),
    };
  });
  process.stdout.write(JSON.stringify({
    ok: true,
    method: root.getFirstPropertyValue("method"),
    timezones: root.getAllSubcomponents("vtimezone").map((z) => z.getFirstPropertyValue("tzid")),
    events,
  }));
} catch (error) {
  process.stdout.write(JSON.stringify({ ok: false, error: String(error) }));
  process.exitCode = 1;
}
