"""A deliberately misbehaving SMTP server: plain asyncio TCP on 127.0.0.1, in its own thread.

aiosmtpd always speaks proper SMTP; the faults here need a server that does not: one that takes
the connection and never says a word, one that greets with `421` and hangs up, one that cuts the
connection in the middle of DATA, one that swallows the message and never answers. `mode` can be
changed while it runs (`accept` makes it a working server that records what it acknowledged).
"""

from __future__ import annotations

import asyncio
import re
import threading
from dataclasses import dataclass, field

MODES = ("accept", "silent", "greet_421", "drop_in_data", "hang_after_data")
_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


@dataclass
class RawSmtp:
    port: int
    mode: str = "accept"
    # message ids the server acknowledged with 250 (what a real server would go on to deliver)
    accepted: list[str] = field(default_factory=list)
    connections: int = 0
    # modes for the next connections, one each, before falling back to `mode`
    plan: list[str] = field(default_factory=list)
    _loop: asyncio.AbstractEventLoop | None = None
    _server: asyncio.base_events.Server | None = None
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    # set by stop(): a hanging session waits for it rather than for a fixed time
    _closing: asyncio.Event | None = None

    def start(self) -> RawSmtp:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            self._closing = asyncio.Event()
            self._server = loop.run_until_complete(
                asyncio.start_server(self._session, "127.0.0.1", self.port)
            )
            ready.set()
            loop.run_forever()
            self._server.close()
            loop.run_until_complete(self._server.wait_closed())
            loop.close()

        self._thread = threading.Thread(target=run, name="raw-smtp", daemon=True)
        self._thread.start()
        assert ready.wait(30), "the raw SMTP server did not start"
        return self

    def stop(self) -> None:
        if self._loop is not None and self._closing is not None:
            self._loop.call_soon_threadsafe(self._closing.set)
            for task in asyncio.all_tasks(self._loop):
                self._loop.call_soon_threadsafe(task.cancel)
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(30)
            assert not self._thread.is_alive(), "the raw SMTP server did not stop"

    async def _hang(self) -> None:
        """Hold the connection without a word until the test stops the server."""
        assert self._closing is not None
        await self._closing.wait()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with self._lock:
            self.connections += 1
            mode = self.plan.pop(0) if self.plan else self.mode
        try:
            if mode == "silent":
                await self._hang()  # took the connection; never says a word
                return
            if mode == "greet_421":
                writer.write(b"421 4.3.2 mx.test busy, closing connection\r\n")
                await writer.drain()
                return
            writer.write(b"220 mx.test ESMTP\r\n")
            await writer.drain()
            while line := await reader.readline():
                verb = line[:4].upper()
                if verb in (b"EHLO", b"HELO"):
                    writer.write(b"250-mx.test\r\n250 8BITMIME\r\n")
                elif verb == b"DATA":
                    writer.write(b"354 go ahead\r\n")
                    await writer.drain()
                    if mode == "drop_in_data":
                        await reader.read(200)  # part of the message, then the line goes dead
                        return
                    body = await reader.readuntil(b"\r\n.\r\n")
                    if mode == "hang_after_data":
                        await self._hang()  # swallowed the message, never answers
                        return
                    found = _MESSAGE_ID.search(body)
                    with self._lock:
                        self.accepted.append(found.group(1).decode() if found else "")
                    writer.write(b"250 2.0.0 queued\r\n")
                elif verb == b"QUIT":
                    writer.write(b"221 bye\r\n")
                    await writer.drain()
                    return
                else:  # MAIL, RCPT, RSET, NOOP
                    writer.write(b"250 OK\r\n")
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            writer.close()
