"""Stored previews (thumbnails, posters) beside the media, and the media's bytes spooled for making them.

Previews live under `previews/<record id>/<name>.webp` (domain.previews.preview_key), stored and
served as `image/webp`, the one type this code writes, whatever the media's type was.
"""
from __future__ import annotations

import tempfile
from typing import BinaryIO

from chalicelib.config import Settings
from chalicelib.domain.previews import POSTER, PREVIEW_CONTENT_TYPE, THUMBNAIL, preview_key
from chalicelib.domain.records import media_key
from chalicelib.storage.connection import aws_client
from chalicelib.storage.media import CHUNK_BYTES


class PreviewStore:
    def __init__(self, settings: Settings) -> None:
        self._bucket = settings.media_bucket
        self._s3 = aws_client("s3", settings.region, "s3v4")

    def spool_media(self, record_id: str, limit: int | None = None) -> BinaryIO:
        """The record's immutable media (its first `limit` bytes, if given) in a temporary file,
        rewound: streamed 1 MiB at a time, so memory stays flat in the file's size. The caller
        closes it (the file is deleted then)."""
        extra = {"Range": f"bytes=0-{limit - 1}"} if limit else {}
        body = self._s3.get_object(Bucket=self._bucket, Key=media_key(record_id), **extra)["Body"]
        spool = tempfile.TemporaryFile()
        try:
            for chunk in body.iter_chunks(CHUNK_BYTES):
                spool.write(chunk)
            spool.seek(0)
        except BaseException:
            spool.close()
            raise
        return spool

    def put(self, record_id: str, preview: str, data: bytes) -> None:
        self._s3.put_object(Bucket=self._bucket, Key=preview_key(record_id, preview), Body=data,
                            ContentType=PREVIEW_CONTENT_TYPE)

    def url(self, record_id: str, preview: str, ttl_seconds: int) -> str:
        """A presigned GET answering with `image/webp`, whatever the object's metadata says."""
        params = {"Bucket": self._bucket, "Key": preview_key(record_id, preview),
                  "ResponseContentType": PREVIEW_CONTENT_TYPE}
        return self._s3.generate_presigned_url("get_object", Params=params, ExpiresIn=ttl_seconds)

    def delete(self, record_id: str) -> None:
        """Deletes every stored preview of the record (none is fine)."""
        objects = [{"Key": preview_key(record_id, name)} for name in (THUMBNAIL, POSTER)]
        self._s3.delete_objects(Bucket=self._bucket, Delete={"Objects": objects, "Quiet": True})
