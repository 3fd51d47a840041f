"""Remixery: the Chalice app. Routes live in `chalicelib/api/`; event handlers stay here.

Keep this module cheap to import: it is paid on every cold start.
"""
from chalice import Chalice

from chalicelib.api.routes import ROUTERS

app = Chalice(app_name="remixery", configure_logs=False)  # Powertools Logger does the logging

for router in ROUTERS:
    app.register_blueprint(router.blueprint)
