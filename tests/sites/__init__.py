"""Loopback test sites, one builder per platform, mirroring each platform's documented structure.

Shapes follow docs/platforms.md (endpoints, paging, field names); every site also has a
robots.txt that disallows one path the spider would otherwise reach and, where the platform has
one, an empty page that must end the paging. A builder fills a served `Site` and returns a
`PlatformSite` (sites/common.py): the sources.yml entry, the paths a complete crawl fetches, the
path it must never fetch, the fewest items extraction must store, the URL `widen sources add`
should recognise.
"""

from __future__ import annotations

from collections.abc import Callable

from conftest import Site

from sites import apis, calendars, volunteer
from sites.common import FAST, NOW, PlatformSite, serve_all

__all__ = ["BUILDERS", "FAST", "NOW", "PlatformSite", "serve_all"]

# Variant names (tribe_html…) exercise a platform's fallback route; each is its own source.
BUILDERS: dict[str, Callable[[Site], PlatformSite]] = {
    "ical": calendars.ical,
    "ical_probe": calendars.ical_probe,
    "ical_none": calendars.ical_none,
    "tribe": calendars.tribe,
    "tribe_html": calendars.tribe_html,
    "tribe_subdir": calendars.tribe_subdir,
    "schemaorg": calendars.schemaorg,
    "schemaorg_sitemap": calendars.schemaorg_sitemap,
    "growthzone": calendars.growthzone,
    "growthzone_html": calendars.growthzone_html,
    "meetup": calendars.meetup,
    "meetup_fallback": calendars.meetup_fallback,
    "meetup_rss": calendars.meetup_rss,
    "toastmasters": apis.toastmasters,
    "toastmasters_empty": apis.toastmasters_empty,
    "mobilizon": apis.mobilizon,
    "mobilizon_old": apis.mobilizon_old,
    "bevy": apis.bevy,
    "bevy_nested": apis.bevy_nested,
    "galaxy": volunteer.galaxy,
    "volunteerconnector": volunteer.volunteerconnector,
    "volunteerconnector_broken": volunteer.volunteerconnector_broken,
    "doit": volunteer.doit,
    "reach": volunteer.reach,
    "mobilize": volunteer.mobilize,
    "volunteermatch": volunteer.volunteermatch,
    "idealist": volunteer.idealist,
    "volunteermatch_nokey": volunteer.volunteermatch_nokey,
    "idealist_nokey": volunteer.idealist_nokey,
    "boardpage": volunteer.boardpage,
}
