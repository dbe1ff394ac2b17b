"""A real SMTP server for peerlab's tests (aiosmtpd from PyPI), writing every message it
accepts to a folder, one .eml file each, in the order accepted.

Usage: smtp_sink.py DIR [--auth USER:PASSWORD] [--refuse TEXT] [--flaky N]
  --auth     require AUTH PLAIN/LOGIN with these credentials (over plain SMTP: tests only)
  --refuse   answer 550 to any recipient whose address contains TEXT
  --flaky    answer 451 to the first N messages (DATA), then accept
  --slow     wait this many seconds before answering DATA; a message whose client left
             meanwhile was never accepted, and is not kept (as a real server does)
Prints "ready PORT" on stdout once it listens on 127.0.0.1 (on a free port).
"""
import argparse
import asyncio
import os
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Sink:
    def __init__(self, folder, refuse, flaky, slow):
        self.slow = slow
        self.folder = folder
        self.refuse = refuse
        self.flaky = flaky
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse and self.refuse in address:
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.flaky > 0:
            self.flaky -= 1
            return "451 4.3.0 try again later"
        if self.slow:
            await asyncio.sleep(self.slow)
            if server.transport is None or server.transport.is_closing():
                return "421 4.4.2 the client left before the message was accepted"
        self.count += 1
        name = os.path.join(self.folder, "%05d.eml" % self.count)
        with open(name + ".part", "wb") as f:
            f.write(b"X-Envelope-To: " + ", ".join(envelope.rcpt_tos).encode() + b"\r\n")
            f.write(envelope.original_content)
        os.rename(name + ".part", name)
        return "250 2.0.0 queued as %d" % self.count


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == user
            and auth_data.password.decode() == password
        )
        # handled=False: aiosmtpd answers a failure with its own 535.
        return AuthResult(success=ok, handled=False)
    return check


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("dir")
    p.add_argument("--auth")
    p.add_argument("--refuse")
    p.add_argument("--flaky", type=int, default=0)
    p.add_argument("--slow", type=float, default=0)
    a = p.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    sink = Sink(a.dir, a.refuse, a.flaky, a.slow)
    options = {}
    if a.auth:
        user, password = a.auth.split(":", 1)
        options = dict(authenticator=authenticator(user, password), auth_required=True,
                       auth_require_tls=False)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(sink, hostname="sink.test", **options), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    print("ready %d" % port, flush=True)
    # Stop when the test closes our stdin (or dies).
    await loop.run_in_executor(None, sys.stdin.read)


if __name__ == "__main__":
    asyncio.run(main())
