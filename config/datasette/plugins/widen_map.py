"""The map of opportunities: where each listing is, and how sure we are of it.

datasette-cluster-map draws one identical pin per row on OpenStreetMap tiles. That hid two
things a reader needs: a place known only by its ZIP or city centre looks as exact as a street
address, and twenty listings geocoded to one centre stack into what looks like one pin. Offline
(the demo on a train, a machine without internet) the tiles are grey and the pins float on
nothing. This plugin serves widen's own map script (static/widen-map.js):

- listings at one point become one marker with their count, and its popup lists them; markers
  that would overlap at the current zoom are clustered (Leaflet.markercluster) with their sum;
- exact places (the source's own coordinates) are solid dots, approximate ones (postcode or
  city centre, `geo_precision`) dashed rings, with a legend saying so;
- the background is a bundled vector outline (Natural Earth countries, US states; see
  static/LICENSES.md) under OpenStreetMap tiles; when the tiles cannot load, the outline stays
  and the attribution says the map is offline.

Settings (metadata `plugins: widen-map:`): `tiles`, a tile URL template (empty: outline only,
never asking a tile server), and `attribution`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from datasette import hookimpl
from datasette.utils.asgi import Response, asgi_send_file

STATIC = Path(__file__).resolve().parent.parent / "static"
FILES = {p.name: p for p in STATIC.iterdir() if p.suffix in (".js", ".json", ".css")} if STATIC.is_dir() else {}
MOUNT = "/-/widen-map/"
TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
LAT, LON = "lat", "lon"


def map_settings(datasette: Any, database: str | None, table: str | None) -> dict[str, Any]:
    """What the page's script needs: where the static files are, the tiles and the columns."""
    config = datasette.plugin_config("widen-map", database=database, table=table) or {}
    return {"base": datasette.urls.path(MOUNT), "tiles": config.get("tiles", TILES),
            "attribution": config.get("attribution", ATTRIBUTION), "lat": LAT, "lon": LON}


def _mapped(view_name: str, columns: list[str] | None) -> bool:
    return view_name == "table" and bool(columns) and {LAT, LON} <= {c.lower() for c in columns or ()}


@hookimpl
def extra_js_urls(view_name: str, columns: list[str] | None, datasette: Any) -> list[dict[str, Any]]:
    if not _mapped(view_name, columns):
        return []
    return [{"url": datasette.urls.path(MOUNT + "widen-map.js"), "module": True}]


@hookimpl
def extra_body_script(view_name: str, columns: list[str] | None, database: str | None, table: str | None,
                      datasette: Any) -> str:
    if not _mapped(view_name, columns):
        return ""
    return f"window.WIDEN_MAP = {json.dumps(map_settings(datasette, database, table))};"


async def _static(request: Any, send: Any) -> Response | None:
    path = FILES.get(request.url_vars["file"])
    if path is None:
        return Response.text("Not found", status=404)
    await asgi_send_file(send, str(path), headers={"Cache-Control": "max-age=86400"})
    return None


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [(r"^" + MOUNT + r"(?P<file>[A-Za-z0-9._-]+)$", _static)]
