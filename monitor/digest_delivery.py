"""Where a digest goes: mail (text + HTML), a file, and the record that marks it reviewed.

Mail, write, then record: a failure at any step leaves the digest unreviewed, so
the next run offers the same items again.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import timezone
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING

from .config import Config, SmtpConfig
from .digest import Digest
from .digest_formats import heading, to_html, to_markdown
from .errors import ConfigError, DeliveryError

if TYPE_CHECKING:
    from .store import Store

log = logging.getLogger(__name__)


def subject(digest: Digest) -> str:
    return f"monitor digest: {heading(digest)} ({digest.generated.astimezone(timezone.utc):%Y-%m-%d})"


def mail(digest: Digest, smtp: SmtpConfig) -> None:
    """Send the digest as one multipart/alternative message: Markdown text plus HTML."""
    message = EmailMessage()
    message["Subject"] = subject(digest)
    message["From"] = smtp.sender
    message["To"] = ", ".join(smtp.recipients)
    message.set_content(to_markdown(digest))
    message.add_alternative(to_html(digest), subtype="html")
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=30) as server:
            if smtp.starttls:
                server.starttls()
            if smtp.username:
                server.login(smtp.username, smtp.password or "")
            server.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"mailing the digest via {smtp.host}:{smtp.port} failed: {exc}") from exc
    log.info("digest mailed to %s", ", ".join(smtp.recipients))


def publish(digest: Digest, text: str, *, config: Config, store: Store, fmt: str, output: Path | None,
            mark_reviewed: bool, email: bool) -> list[str]:
    """Mail, write, then record: a failure at any step leaves the digest unreviewed."""
    notes = []
    if email and digest.count:
        if config.digest.smtp is None:
            raise ConfigError(f"{config.path.name}: digest.smtp: --email needs a [digest.smtp] table (host, recipients)")
        mail(digest, config.digest.smtp)
        notes.append(f"mailed to {', '.join(config.digest.smtp.recipients)}")
    if output is not None:
        output.write_text(text, encoding="utf-8")
        notes.append(f"wrote {output}")
    if mark_reviewed and digest.count:
        digest_id = store.record_digest(created=digest.generated, since=digest.since, until=digest.generated,
                                        last_seq=digest.last_seq, items=digest.count, format=fmt)
        notes.append(f"recorded as digest #{digest_id}: the next digest starts after it")
    elif mark_reviewed or (email and not digest.count):
        notes.append("nothing new: nothing recorded" + (", nothing mailed" if email else ""))
    return notes
