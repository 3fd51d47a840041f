"""Imports every resource module of the API, so that each router registers itself in the
route table (`routing.ROUTERS`), in the order the OpenAPI document lists them."""
from chalicelib.api import system, members, records, hearts, collaborations  # noqa: F401  (isort: skip)
from chalicelib.api import productions, webhooks, sales, royalties, licences  # noqa: F401
from chalicelib.api import comments, follows  # noqa: F401
from chalicelib.api import notifications, search  # noqa: F401
from chalicelib.api import payouts  # noqa: F401
from chalicelib.api import your_data  # noqa: F401
from chalicelib.api import proposals  # noqa: F401
from chalicelib.api import moderation, copyright  # noqa: F401
from chalicelib.api.routing import ROUTERS

__all__ = ["ROUTERS"]
