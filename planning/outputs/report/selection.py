"""What a report covers: the whole region, a district or a township (:func:`select`), and
the rules' results and layers cut to it (:func:`restrict`, :func:`in_selection`)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import geopandas as gpd
import pandas as pd
import shapely

from planning.errors import InputError
from planning.rules import RuleResult
from planning.rules.base import within_polygons


@dataclass
class Selection:
    """What the report covers: the township ids, the districts they lie in, the area."""

    label: str
    township_ids: set[str]
    districts: set[str]
    towns: gpd.GeoDataFrame
    whole: bool

    @property
    def area(self):
        return shapely.union_all(self.towns.geometry.values)


def _township_districts(region) -> pd.Series:
    """District name of each township (its ``district`` column, else the district polygon
    holding its representative point), indexed like the townships."""
    towns = region.townships
    col = towns["district"] if "district" in towns else pd.Series(None, index=towns.index, dtype=object)
    if col.isna().any() and region.districts is not None and len(region.districts):
        pts = gpd.GeoDataFrame(geometry=towns.representative_point(), crs=towns.crs)
        names = region.districts.set_index("district_id")["name"]
        spatial = within_polygons(pts, region.districts, "district_id").map(names)
        col = col.where(col.notna(), spatial)
    return col.astype(object).where(col.notna(), None)


def select(region, district: str | None = None, township: str | None = None) -> Selection:
    """The townships a report covers.

    Raises
    ------
    InputError
        An unknown district or township; the message lists the valid names.
    """
    towns = region.townships
    of_district = _township_districts(region)
    names = sorted({d for d in of_district.dropna()} |
                   (set(region.districts["name"].dropna().astype(str))
                    if region.districts is not None else set()))
    mask = pd.Series(True, index=towns.index)
    label = str(region.name)
    if district is not None:
        if district not in names:
            raise InputError.at(f"unknown district {district!r}; the region has: "
                                f"{'、'.join(names) or '(no district names)'}",
                                layer="districts", column="name")
        mask &= of_district == district
        label = district
    if township is not None:
        pool = towns[mask]
        hit = (pool["name"].astype(str) == township) | (pool["township_id"].astype(str) == township)
        if not hit.any():
            valid = list(pool["name"].astype(str))
            shown = "、".join(valid[:80]) + ("…" if len(valid) > 80 else "")
            where = f" in {district}" if district else ""
            raise InputError.at(f"unknown township {township!r}{where}; valid names: {shown}",
                                layer="townships", column="name")
        mask &= towns.index.isin(pool.index[hit])
        town_district = of_district[mask].dropna()
        prefix = district or (town_district.iloc[0] if len(town_district) else "")
        label = f"{prefix}{township if township in set(pool['name']) else towns[mask]['name'].iloc[0]}"
    chosen = towns[mask]
    return Selection(label, set(chosen["township_id"].astype(str)),
                     set(of_district[mask].dropna()) or set(names), chosen,
                     whole=bool(mask.all()))


def restrict(result: RuleResult, sel: Selection) -> RuleResult:
    """The rule's result with only the units inside the selection."""
    if sel.whole:
        return result
    u = result.units
    if result.unit_kind == "township":
        keep = u["unit_id"].astype(str).isin(sel.township_ids)
    elif result.unit_kind == "district":
        keep = u["name"].astype(str).isin(sel.districts) | u["unit_id"].astype(str).isin(sel.districts)
    elif "township_id" in u:
        keep = u["township_id"].astype(str).isin(sel.township_ids)
    else:
        keep = u.intersects(sel.area)
    return replace(result, units=u[keep.to_numpy()])


def in_selection(frame: gpd.GeoDataFrame, sel: Selection) -> gpd.GeoDataFrame:
    if sel.whole or len(frame) == 0:
        return frame
    return frame[frame.intersects(sel.area)]
