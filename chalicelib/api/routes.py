"""Every router of the API, in the order the OpenAPI document lists them."""
from chalicelib.api import (
    collaborations, hearts, members, productions, records, royalties, sales, system, webhooks,
)

ROUTERS = (system.router, members.router, records.router, hearts.router, collaborations.router,
           productions.router, webhooks.router, sales.router, royalties.router)
