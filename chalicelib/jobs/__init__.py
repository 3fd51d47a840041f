"""Background work run by app.py's event handlers: upload processing, royalty runs."""
