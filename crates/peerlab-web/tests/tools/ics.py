"""Reads an iCalendar file with the independent `icalendar` package from PyPI and prints
what a calendar client would take from it, as JSON, for peerlab's tests to check.

Usage: ics.py FILE   (prints {"method", "prodid", "events": [...]}; exits 1 on a parse error)
"""
import json
import sys

import icalendar


def when(value):
    dt = value.dt
    return dt.astimezone(__import__("datetime").timezone.utc).isoformat() if hasattr(dt, "astimezone") else dt.isoformat()


def main(path):
    raw = open(path, "rb").read()
    for line in raw.split(b"\r\n"):
        if len(line) > 75:
            sys.exit(f"line longer than 75 octets: {line[:40]!r}…")
    if raw and not raw.endswith(b"\r\n"):
        sys.exit("the file does not end with CRLF")
    cal = icalendar.Calendar.from_ical(raw)
    for name in ("VERSION", "PRODID"):
        # RFC 5545 §3.6: each exactly once in a calendar.
        if isinstance(cal.get(name), list) or name not in cal:
            sys.exit(f"the calendar must have exactly one {name}")
    events = []
    for e in cal.walk("VEVENT"):
        attendees = e.get("ATTENDEE", [])
        if not isinstance(attendees, list):
            attendees = [attendees]
        events.append({
            "uid": str(e.get("UID")),
            "sequence": int(e.get("SEQUENCE", -1)),
            "status": str(e.get("STATUS", "")),
            "summary": str(e.get("SUMMARY", "")),
            "location": str(e.get("LOCATION", "")),
            "description": str(e.get("DESCRIPTION", "")),
            "dtstart": when(e.get("DTSTART")),
            "dtend": when(e.get("DTEND")),
            "dtstamp": when(e.get("DTSTAMP")),
            "organizer": str(e.get("ORGANIZER", "")),
            "attendees": [str(a) for a in attendees],
            "alarms": [str(a.get("TRIGGER").to_ical().decode()) for a in e.walk("VALARM")],
        })
    print(json.dumps({
        "method": str(cal.get("METHOD", "")),
        "prodid": str(cal.get("PRODID", "")),
        "events": events,
    }))


if __name__ == "__main__":
    main(sys.argv[1])
