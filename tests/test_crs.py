"""GCJ-02 and BD-09 against independent implementations and round trips.

coord-convert implements the published algorithm (Krasovsky radius 6378245 m);
eviltransform scales the offset with the WGS84 radius (6378137 m) instead, a 17 ppm
difference in a ~600 m shift, so it agrees to about a centimetre.
"""

import eviltransform
from coord_convert import transform as cc
import numpy as np
import pytest

from planning import crs

rng = np.random.default_rng(20231101)
# the Tianjin area, with a margin
LON = rng.uniform(116.6, 118.2, 3000)
LAT = rng.uniform(38.5, 40.3, 3000)


def metres(dlon, dlat, lat=39.5):
    return np.hypot(np.asarray(dlon) * 111_320 * np.cos(np.radians(lat)), np.asarray(dlat) * 110_574)


def test_forward_gcj02_agrees_with_coord_convert_within_1cm():
    glon, glat = crs.wgs84_to_gcj02(LON, LAT)
    ref = np.array([cc.wgs2gcj(lo, la) for lo, la in zip(LON, LAT)])
    assert metres(glon - ref[:, 0], glat - ref[:, 1]).max() < 0.01
    # eviltransform (other radius): within 2 cm
    evil = np.array([eviltransform.wgs2gcj(la, lo) for lo, la in zip(LON, LAT)])
    assert metres(glon - evil[:, 1], glat - evil[:, 0]).max() < 0.02
    # and the shift itself is the known few hundred metres in Tianjin
    shift = metres(glon - LON, glat - LAT)
    assert 300 < shift.min() and shift.max() < 900


def test_gcj02_inverse_round_trips_within_1cm():
    glon, glat = crs.wgs84_to_gcj02(LON, LAT)
    wlon, wlat = crs.gcj02_to_wgs84(glon, glat)
    assert metres(wlon - LON, wlat - LAT).max() < 0.01


def test_bd09_agrees_with_coord_convert_and_round_trips():
    blon, blat = crs.wgs84_to_bd09(LON, LAT)
    ref = np.array([cc.wgs2bd(lo, la) for lo, la in zip(LON, LAT)])
    assert metres(blon - ref[:, 0], blat - ref[:, 1]).max() < 0.01
    glon, glat = crs.wgs84_to_gcj02(LON, LAT)
    ref_bd = np.array([eviltransform.gcj2bd(la, lo) for lo, la in zip(glon, glat)])
    assert metres(blon - ref_bd[:, 1], blat - ref_bd[:, 0]).max() < 1e-6
    wlon, wlat = crs.bd09_to_wgs84(blon, blat)
    assert metres(wlon - LON, wlat - LAT).max() < 0.01


def test_outside_china_is_unchanged():
    lon, lat = crs.wgs84_to_gcj02([2.35, 139.9], [48.85, 35.7])
    assert np.allclose(lon, [2.35, 139.9]) and np.allclose(lat, [48.85, 35.7])


def test_declared_crs_names():
    assert crs.check_input_crs("GCJ-02") == "gcj02"
    assert crs.check_input_crs("Baidu") == "bd09"
    with pytest.raises(ValueError, match="wgs84, gcj02, bd09"):
        crs.check_input_crs("mars")


def test_metric_crs_for_tianjin_is_utm50n():
    assert crs.metric_crs(117.3, 39.7).to_epsg() == 32650
