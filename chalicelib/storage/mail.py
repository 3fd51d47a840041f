"""Outgoing e-mail through Amazon SES (deployed stages with REMIXERY_SES_SENDER set): the
counter-notices forwarded to complainants. The client is made on first use."""
from __future__ import annotations

from functools import cached_property

from chalicelib.config import Settings


class Mailer:
    def __init__(self, settings: Settings) -> None:
        self._sender = settings.ses_sender
        self._region = settings.region

    @property
    def configured(self) -> bool:
        return bool(self._sender)

    @cached_property
    def _ses(self):
        from chalicelib.storage.connection import aws_client

        return aws_client("sesv2", self._region)

    def send(self, to: str, subject: str, text: str) -> None:
        self._ses.send_email(FromEmailAddress=self._sender, Destination={"ToAddresses": [to]},
                             Content={"Simple": {"Subject": {"Data": subject, "Charset": "UTF-8"},
                                                 "Body": {"Text": {"Data": text, "Charset": "UTF-8"}}}})
