"""The 21 län as an agreement names them: the county, the region's own name, its kommuner.

The region's own name is what the region calls itself (Västra Götalandsregionen, Region
Sörmland, Region Jönköpings län), which is how an agreement names the party; the
municipalities are "kommunerna i Skåne", except where the short name is also a
municipality's (Stockholm, Uppsala …) or leaves part of the län out (Jämtland Härjedalen).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from assistant.errors import InputError


@dataclass(frozen=True)
class RegionNames:
    """How one län is named: as a county, as a region (the party), and its kommuner."""

    county: str
    region: str
    municipalities: str


# By the short name the catalog uses.
REGIONS: dict[str, RegionNames] = {
    "Blekinge": RegionNames("Blekinge län", "Region Blekinge", "kommunerna i Blekinge"),
    "Dalarna": RegionNames("Dalarnas län", "Region Dalarna", "kommunerna i Dalarna"),
    "Gotland": RegionNames("Gotlands län", "Region Gotland", "Region Gotland"),
    "Gävleborg": RegionNames("Gävleborgs län", "Region Gävleborg", "kommunerna i Gävleborg"),
    "Halland": RegionNames("Hallands län", "Region Halland", "kommunerna i Halland"),
    "Jämtland": RegionNames(
        "Jämtlands län", "Region Jämtland Härjedalen", "kommunerna i Jämtlands län"
    ),
    "Jönköping": RegionNames(
        "Jönköpings län", "Region Jönköpings län", "kommunerna i Jönköpings län"
    ),
    "Kalmar": RegionNames("Kalmar län", "Region Kalmar län", "kommunerna i Kalmar län"),
    "Kronoberg": RegionNames("Kronobergs län", "Region Kronoberg", "kommunerna i Kronoberg"),
    "Norrbotten": RegionNames(
        "Norrbottens län", "Region Norrbotten", "kommunerna i Norrbotten"
    ),
    "Skåne": RegionNames("Skåne län", "Region Skåne", "kommunerna i Skåne"),
    "Stockholm": RegionNames(
        "Stockholms län", "Region Stockholm", "kommunerna i Stockholms län"
    ),
    "Södermanland": RegionNames(
        "Södermanlands län", "Region Sörmland", "kommunerna i Södermanland"
    ),
    "Uppsala": RegionNames("Uppsala län", "Region Uppsala", "kommunerna i Uppsala län"),
    "Värmland": RegionNames("Värmlands län", "Region Värmland", "kommunerna i Värmland"),
    "Västerbotten": RegionNames(
        "Västerbottens län", "Region Västerbotten", "kommunerna i Västerbotten"
    ),
    "Västernorrland": RegionNames(
        "Västernorrlands län", "Region Västernorrland", "kommunerna i Västernorrland"
    ),
    "Västmanland": RegionNames(
        "Västmanlands län", "Region Västmanland", "kommunerna i Västmanland"
    ),
    "Västra Götaland": RegionNames(
        "Västra Götalands län", "Västra Götalandsregionen", "kommunerna i Västra Götaland"
    ),
    "Örebro": RegionNames("Örebro län", "Region Örebro län", "kommunerna i Örebro län"),
    "Östergötland": RegionNames(
        "Östergötlands län", "Region Östergötland", "kommunerna i Östergötland"
    ),
}

# A text "names" another län when it does so this often and more often than its own: a
# cooperation partner or a hospital in a neighbouring län is named once or twice.
MISMATCH_MENTIONS = 3


def canonical_region(region: str | None) -> str | None:
    """The catalog's name for a län given as "Värmland", "värmlands län", "Region Värmland"
    or "Västra Götalandsregionen"."""
    if region is None or not region.strip():
        return None
    wanted = " ".join(region.split()).casefold()
    for short, names in REGIONS.items():
        forms = (short, names.county, names.region, f"Region {short}")
        if wanted in {form.casefold() for form in forms}:
            return short
    raise InputError(
        f"okänd region {region!r}; ange ett av de 21 länen ({', '.join(REGIONS)}), "
        "eller ingen region för nationella texter"
    )


def default_parties(region: str | None) -> tuple[str, ...]:
    """The usual parties of a länsövergripande agreement: the region and its municipalities."""
    if region is None:
        return ()
    names = REGIONS[region]
    if names.municipalities == names.region:  # Region Gotland is region and kommun in one
        return (names.region,)
    return (names.region, names.municipalities)


def region_mismatch(region: str | None, named: Mapping[str, int]) -> str | None:
    """A warning when a text names another län (`named`: times per län, as the search
    layer's region detection counts them) more than the one it is filed under."""
    if not named:
        return None
    most, times = max(named.items(), key=lambda item: item[1])
    own = named.get(region or "", 0)
    if most == region or times < MISMATCH_MENTIONS or times <= own:
        return None
    given = region or "ingen (nationell text)"
    return (
        f"Varning: texten nämner {most} ({times} gånger) men --region är {given}"
        + (f" ({own} gånger)" if own else "")
        + ". Kontrollera --region."
    )
