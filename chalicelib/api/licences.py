"""Licences: the ones a record may carry, with what each allows. A fixed table of the domain's,
so the route reads it there: there is no use case to run."""
from __future__ import annotations

from pydantic import Field

from chalicelib.api.models import LicenceId, Page
from chalicelib.api.routing import Access, ResponseModel, Router
from chalicelib.domain.licences import LICENCES

router = Router("licences")


class LicenceOut(ResponseModel):
    id: LicenceId
    name: str
    url: str = Field(description="The licence's canonical deed.")
    derivatives: bool
    share_alike: bool
    non_commercial: bool = Field(description="True for `remixery`: commercial use only through Remixery productions.")
    attribution: bool


class LicencePage(Page[LicenceOut]):
    pass


@router.route("GET", "/licences", summary="The licences a record may carry", access=Access.PUBLIC,
              response=LicencePage)
def list_licences(ctx):
    return LicencePage(items=[LicenceOut(**vars(licence)) for licence in LICENCES.values()], next_cursor=None)
