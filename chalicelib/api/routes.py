"""Every router of the API, in the order the OpenAPI document lists them."""
from chalicelib.api import collaborations, hearts, members, records, system

ROUTERS = (system.router, members.router, records.router, hearts.router, collaborations.router)
