"""Your data: export everything you made (a ZIP built in the background), and delete your
account (works stay, owned by `orphan`; money stays owed). See docs/your-data.md.

Handlers import `logic.your_data` when they run: the export's archive code is not needed at
cold start."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from chalicelib.api.fields import no_control_characters
from chalicelib.api.routing import Access, RequestBody, ResponseModel, Router, json_response
from chalicelib.domain.your_data import EXPORT_STATUSES

router = Router("your_data")


class DeleteMe(RequestBody):
    confirm_handle: Annotated[str, StringConstraints(min_length=1, max_length=64), no_control_characters()] = Field(
        description="Your own handle, typed to confirm (compared case-insensitively); any other value is a 400 "
                    "and nothing changes.")
    remove_works: bool = Field(default=False, description=(
        "false (default): your records stay in every lineage, production and feed, owned by "
        "`{id: null, handle: \"orphan\"}`. true: they are taken down as tombstones (title and lineage kept, "
        "media and text deleted)."))


class ExportOut(ResponseModel):
    id: str
    status: Literal[EXPORT_STATUSES] = Field(description="running until the archive is written; then ready "
                                                         "(or failed: start another).")
    url: str | None = Field(default=None, description="Ready: a presigned GET of the ZIP, valid one hour; "
                                                      "each GET signs a new one.")
    size: int | None = Field(default=None, description="Ready: the archive's size in bytes.")
    expires_at: str | None = Field(default=None, description="When `url` stops working (RFC 3339).")
    kept_until: str | None = Field(default=None, description="Ready: the archive is deleted after this "
                                                             "(7 days after it was ready).")
    created_at: str


def _export_out(view) -> ExportOut:
    export = view.export
    return ExportOut(id=export.id, status=export.status, url=view.url, size=export.size if view.url else None,
                     expires_at=view.expires_at, kept_until=view.kept_until, created_at=export.created_at)


@router.route("POST", "/me/exports", summary="Export all my data (a ZIP built in the background)",
              access=Access.MEMBER, status=202, response=ExportOut, errors=(409,))
def start_export(ctx):
    """Builds, in the background, a ZIP of `profile.json`, `records/<id>.json` (metadata, text
    bodies) and `media/<id>.<ext>` (the original bytes) for every record of yours, whatever its
    status, `comments.json`, `hearts.json` (given), `follows.json` (`following`, `followers`),
    `statements/<period>.json` and `.csv`, and `payouts.json`. One at a time: a second while one
    runs is a 409. `export_ready` notifies you when it is ready."""
    from chalicelib.logic import your_data
    from chalicelib.logic.your_data import ExportView

    return json_response(_export_out(ExportView(your_data.request_export(ctx.identity), None, None, None)), 202)


@router.route("GET", "/me/exports/{export_id}", summary="One of my exports, with a fresh download URL when ready",
              access=Access.MEMBER, response=ExportOut, errors=(404,))
def get_export(ctx, export_id: str):
    """Another member's export id is a 404, as an unknown one."""
    from chalicelib.logic import your_data

    return _export_out(your_data.export_view(ctx.identity, export_id))


@router.route("DELETE", "/me", summary="Delete my account (works stay, owned by orphan; money stays owed)",
              access=Access.MEMBER, status=204, body=DeleteMe, errors=(400,))
def delete_me(ctx):
    """Erases the profile's personal data (display name, bio, follows both ways, who you hearted:
    counts stay) and reserves the handle forever. Your works stay everywhere owned by
    `{id: null, handle: "orphan"}` (or are taken down with `remove_works`); lineage, splits,
    credits and other members' statements are unchanged. Statements and payouts keep running
    for your member id, and your identity keeps reading them (`/me/statements`); it may register
    a new profile, which inherits nothing else."""
    from chalicelib.logic import your_data

    request = ctx.body()
    your_data.delete_account(ctx.identity, request.confirm_handle, request.remove_works)
