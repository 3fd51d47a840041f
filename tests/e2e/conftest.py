"""Real HTTP: the app served by Chalice's local server (`local_server`, `base_url` in tests/conftest.py)."""
