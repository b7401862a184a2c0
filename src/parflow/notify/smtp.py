"""One SMTP connection, opened exactly as `PARFLOW_SMTP_SECURITY` says, reused for a batch.

- `tls`: TLS from the first byte (usually port 465).
- `starttls`: plaintext greeting, then STARTTLS; if the server does not offer it the connection
  is refused by us: the setting never silently degrades to plaintext (aiosmtplib's default
  `start_tls=None` would).
- `none`: plaintext, for a relay on the same machine or the demo's mail catcher. A password is
  never sent over it.
Certificates are verified; `PARFLOW_SMTP_CA_FILE` adds a CA to trust.
"""

from __future__ import annotations

import asyncio
import socket
import ssl

from aiosmtplib import SMTP, SMTPAuthenticationError, SMTPException, SMTPResponseException

from parflow.settings import Settings, SmtpSecurity


class ConnectFailed(Exception):
    """No usable connection: server down, TLS not possible, or sign-in refused. No message is at fault."""


_local_hostname: str | None = None


async def local_hostname() -> str:
    """This machine's name for EHLO, looked up once (the lookup may wait on DNS)."""
    global _local_hostname
    if _local_hostname is None:
        name = await asyncio.to_thread(socket.getfqdn)
        _local_hostname = name if name and name.isascii() and " " not in name else "localhost"
    return _local_hostname


def describe(exc: BaseException) -> str:
    if isinstance(exc, SMTPResponseException):
        return f"{exc.code} {exc.message}".strip()
    text = str(exc).strip()
    return f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__


class SmtpLink:
    """Opens on demand, counts how often it had to, and is dropped after any connection error."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.client: SMTP | None = None
        self.connections = 0

    async def ensure(self, timeout: float) -> SMTP:
        if self.client is not None and self.client.is_connected:
            return self.client
        self.drop()
        self.client = await self._open(timeout)
        self.connections += 1
        return self.client

    async def _open(self, timeout: float) -> SMTP:
        s = self.settings
        security = SmtpSecurity(s.smtp_security)
        if s.smtp_username and security is SmtpSecurity.none:
            raise ConnectFailed(
                "refusing to send the SMTP password over an unencrypted connection: "
                "set PARFLOW_SMTP_SECURITY to starttls or tls"
            )
        client = SMTP(
            hostname=s.smtp_host,
            port=s.smtp_port,
            timeout=timeout,
            use_tls=security is SmtpSecurity.tls,
            start_tls=False,  # STARTTLS is done below, explicitly, or not at all
            local_hostname=await local_hostname(),
            cert_bundle=str(s.smtp_ca_file) if s.smtp_ca_file else None,
        )
        try:
            await client.connect()
            if security is SmtpSecurity.starttls:
                await client.ehlo()
                if not client.supports_extension("starttls"):
                    raise ConnectFailed(
                        f"the mail server {s.smtp_host}:{s.smtp_port} does not offer STARTTLS; "
                        "PARFLOW_SMTP_SECURITY=starttls forbids sending in plaintext"
                    )
                await client.starttls()
                await client.ehlo()
            if s.smtp_username:
                await client.login(s.smtp_username, s.smtp_password or "")
        except ConnectFailed:
            client.close()
            raise
        except SMTPAuthenticationError as exc:
            client.close()
            raise ConnectFailed(f"the mail server refused the sign-in: {describe(exc)}") from None
        except (SMTPException, OSError, ssl.SSLError, TimeoutError) as exc:
            client.close()
            raise ConnectFailed(
                f"cannot connect to the mail server {s.smtp_host}:{s.smtp_port}: {describe(exc)}"
            ) from None
        return client

    def drop(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None

    async def close(self) -> None:
        """Say goodbye politely (QUIT) when the connection is still up; never raise."""
        client, self.client = self.client, None
        if client is None or not client.is_connected:
            return
        try:
            await client.quit(timeout=5)
        except (SMTPException, OSError, TimeoutError):
            client.close()
