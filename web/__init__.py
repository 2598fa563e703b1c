"""Dashboard, ledger export and the Open311 GeoReport v2 API (aiohttp + jinja2)."""
