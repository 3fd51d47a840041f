"""The media bucket: presigned uploads, checks on stored bytes, immutable media, presigned reads."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from chalicelib.config import Settings
from chalicelib.domain.clock import to_rfc3339
from chalicelib.domain.records import PresignedUpload, media_key, upload_key
from chalicelib.storage.connection import aws_client

CHUNK_BYTES = 1024 * 1024


class ObjectChanged(Exception):
    """The object under a key is no longer the one that was checked (a newer upload replaced it)."""


@dataclass(frozen=True)
class StoredObject:
    size: int
    etag: str


class MediaStore:
    def __init__(self, settings: Settings) -> None:
        self._bucket = settings.media_bucket
        self._s3 = aws_client("s3", settings.region, "s3v4")

    def presigned_upload(self, record_id: str, content_type: str, max_bytes: int, ttl_seconds: int) -> PresignedUpload:
        """A presigned POST pinned to the record's key, the exact content type and 1..max bytes."""
        post = self._s3.generate_presigned_post(
            Bucket=self._bucket, Key=upload_key(record_id),
            Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
            ExpiresIn=ttl_seconds,
        )
        expires_at = datetime.now(timezone.utc) + timedelta(seconds=ttl_seconds)
        return PresignedUpload(url=post["url"], fields=post["fields"], expires_at=to_rfc3339(expires_at))

    def head_upload(self, record_id: str) -> StoredObject | None:
        from botocore.exceptions import ClientError

        try:
            head = self._s3.head_object(Bucket=self._bucket, Key=upload_key(record_id))
        except ClientError as e:
            if e.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return StoredObject(size=head["ContentLength"], etag=head["ETag"])

    def read_prefix(self, record_id: str, checked: StoredObject, length: int) -> bytes:
        response = self._get(upload_key(record_id), checked, Range=f"bytes=0-{length - 1}")
        return response["Body"].read()

    def sha256(self, record_id: str, checked: StoredObject) -> str:
        """Streams the object through sha256 in 1 MiB chunks: memory stays flat in file size."""
        digest = hashlib.sha256()
        body = self._get(upload_key(record_id), checked)["Body"]
        for chunk in body.iter_chunks(CHUNK_BYTES):
            digest.update(chunk)
        return digest.hexdigest()

    def promote(self, record_id: str, checked: StoredObject, content_type: str) -> None:
        """Copies the checked upload to the immutable media key, only if it is still the same
        object (CopySourceIfMatch; and the copy's ETag is compared, for emulators that ignore it).
        The copy carries `content_type`, the validated type, whatever Content-Type the upload
        was stored with (real S3 holds a presigned POST to its type; an emulator may not).

        Comparing ETags across a copy relies on single-part uploads (presigned POSTs are) and
        SSE-S3 encryption, where an ETag is the MD5 of the bytes; SSE-KMS would break it.
        """
        from botocore.exceptions import ClientError

        source = {"Bucket": self._bucket, "Key": upload_key(record_id)}
        try:
            copied = self._s3.copy_object(Bucket=self._bucket, Key=media_key(record_id), CopySource=source,
                                          CopySourceIfMatch=checked.etag, MetadataDirective="REPLACE",
                                          ContentType=content_type)
        except ClientError as e:
            if e.response["Error"]["Code"] in ("PreconditionFailed", "412", "NoSuchKey", "404"):
                raise ObjectChanged(record_id) from e
            raise
        if copied["CopyObjectResult"]["ETag"] != checked.etag:
            self.delete_media(record_id)
            raise ObjectChanged(record_id)

    def delete_upload(self, record_id: str) -> None:
        self._s3.delete_object(Bucket=self._bucket, Key=upload_key(record_id))

    def delete_media(self, record_id: str) -> None:
        self._s3.delete_object(Bucket=self._bucket, Key=media_key(record_id))

    def media_url(self, record_id: str, content_type: str, ttl_seconds: int) -> str:
        """A presigned GET that answers with `content_type` (the validated type), whatever the
        object's metadata says. S3 cannot add `X-Content-Type-Options: nosniff`, but browsers
        never sniff a declared image, audio or video type into HTML."""
        params = {"Bucket": self._bucket, "Key": media_key(record_id), "ResponseContentType": content_type}
        return self._s3.generate_presigned_url("get_object", Params=params, ExpiresIn=ttl_seconds)

    def _get(self, key: str, checked: StoredObject, **kwargs) -> dict:
        from botocore.exceptions import ClientError

        try:
            response = self._s3.get_object(Bucket=self._bucket, Key=key, IfMatch=checked.etag, **kwargs)
        except ClientError as e:
            if e.response["Error"]["Code"] in ("PreconditionFailed", "412", "NoSuchKey", "404"):
                raise ObjectChanged(key) from e
            raise
        if response["ETag"] != checked.etag:
            raise ObjectChanged(key)
        return response
