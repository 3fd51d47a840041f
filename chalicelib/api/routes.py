"""Every router of the API, in the order the OpenAPI document lists them."""
from chalicelib.api import collaborations, members, records, system

ROUTERS = (system.router, members.router, records.router, collaborations.router)
