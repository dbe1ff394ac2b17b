"""Reads the messages an SMTP sink wrote (see smtp_sink.py) with Python's own `email`
package, and their calendar parts with the independent `icalendar` package, and prints what
a mail client would take from them, as JSON, for peerlab's tests to check.

Usage: mail.py DIR   (prints a list, oldest first; exits 1 when a message has defects)
"""
import email
import json
import os
import sys
from email import policy

import icalendar

HEADERS = ["From", "To", "Subject", "Message-ID", "Date", "MIME-Version", "List-Unsubscribe",
           "List-Unsubscribe-Post", "Auto-Submitted", "X-Envelope-To"]


def calendar(raw):
    cal = icalendar.Calendar.from_ical(raw)
    events = []
    for e in cal.walk("VEVENT"):
        attendees = e.get("ATTENDEE", [])
        if not isinstance(attendees, list):
            attendees = [attendees]
        events.append({
            "uid": str(e.get("UID")),
            "sequence": int(e.get("SEQUENCE", 0)),
            "summary": str(e.get("SUMMARY", "")),
            "status": str(e.get("STATUS", "")),
            "dtstart": e.decoded("DTSTART").isoformat(),
            "attendees": [str(a) for a in attendees],
            "organizer": str(e.get("ORGANIZER", "")),
        })
    return {"method": str(cal.get("METHOD", "")), "events": events}


def read(path):
    msg = email.message_from_bytes(open(path, "rb").read(), policy=policy.default)
    out = {"file": os.path.basename(path),
           "headers": {h: str(msg[h]) for h in HEADERS if msg[h] is not None},
           "type": msg.get_content_type(), "parts": [], "defects": [str(d) for d in msg.defects]}
    for part in msg.walk():
        out["defects"] += [str(d) for d in part.defects]
        if part.is_multipart():
            continue
        content = part.get_content()
        info = {"type": part.get_content_type(), "params": dict(part.get_params()[1:])}
        if part.get_content_type() == "text/calendar":
            info["calendar"] = calendar(content if isinstance(content, bytes) else content.encode())
        else:
            info["text"] = content
        out["parts"].append(info)
    return out


def main(folder):
    names = sorted(n for n in os.listdir(folder) if n.endswith(".eml"))
    messages = [read(os.path.join(folder, n)) for n in names]
    bad = [m for m in messages if m["defects"]]
    if bad:
        sys.exit("defects: " + json.dumps(bad)[:2000])
    json.dump(messages, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
