"""Vendor the console's third-party browser assets from the npm registry.

Run `make vendor-assets` (or `python3 tools/vendor_assets.py`) after changing a version below.
The script fetches each pinned tarball with the machine's `npm pack` and checks it against the
pinned SRI integrity. It then copies the chosen files and licence texts into
`src/cuenty/console/static/vendor/`, converts the map data to JSON, and writes
`static/vendor/MANIFEST.json` with the package, version, licence, tarball URL and SHA-256 of
each vendored file. The output depends only on the tarballs, so a second run writes the same
bytes. The files are committed: serving the console and running the tests need neither npm
nor internet access.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "src" / "cuenty" / "console" / "static" / "vendor"
MANIFEST = VENDOR / "MANIFEST.json"
NPM_TIMEOUT_SECONDS = 300


def svg_maps_to_json(source: bytes) -> bytes:
    """Convert `@svg-maps/*` index.js (`export default {...}`) to plain JSON.

    Keeps the view box and each location's id, name and path, so the server can draw the map
    without a JavaScript engine.
    """
    text = source.decode("utf-8").strip()
    prefix = "export default"
    if not text.startswith(prefix):
        raise ValueError(f"expected the module to start with {prefix!r}")
    data = json.loads(text[len(prefix) :].strip().rstrip(";"))
    locations = [
        {"id": item["id"], "name": item["name"], "path": item["path"]} for item in data["locations"]
    ]
    converted = {"label": data["label"], "viewBox": data["viewBox"], "locations": locations}
    return (json.dumps(converted, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


@dataclass(frozen=True)
class VendoredFile:
    """One file taken from a tarball: its path there, its path under static/vendor/, and
    an optional conversion of its bytes."""

    source: str
    target: str
    convert: Callable[[bytes], bytes] | None = None
    licence: bool = False


@dataclass(frozen=True)
class NpmPackage:
    name: str
    version: str
    licence: str
    integrity: str
    files: tuple[VendoredFile, ...] = field(default_factory=tuple)

    @property
    def spec(self) -> str:
        return f"{self.name}@{self.version}"


PACKAGES = (
    NpmPackage(
        name="echarts",
        version="6.1.0",
        licence="Apache-2.0",
        integrity="sha512-q0yaFPggC9FUdsWH4blavRWFmxdrIodbkoKNAjJudAI6CA9gNPxHtV2RcZNEepZVlk4yvBYkOkbk6HIVpIyHZA==",
        files=(
            # The "common" build has the line and bar charts the dashboard draws, and, unlike
            # the full build, no `new Function`, which the console's CSP (no eval) would block.
            VendoredFile("package/dist/echarts.common.min.js", "echarts/echarts.common.min.js"),
            VendoredFile("package/LICENSE", "echarts/LICENSE", licence=True),
            VendoredFile("package/NOTICE", "echarts/NOTICE", licence=True),
            VendoredFile("package/licenses/LICENSE-d3", "echarts/LICENSE-d3", licence=True),
        ),
    ),
    NpmPackage(
        name="@svg-maps/mexico",
        version="2.0.0",
        licence="CC-BY-4.0",
        integrity="sha512-aS9bL2cTd32dcT4p+QT2PMSXwvGchr0XyVHLRozxeKdPHK4nrSLZTYzuJdG36z/1P6LW/PMQSrTnO162leG4qA==",
        files=(
            VendoredFile("package/index.js", "svg-maps-mexico/mexico.json", svg_maps_to_json),
            VendoredFile("package/LICENSE.md", "svg-maps-mexico/LICENSE.md", licence=True),
        ),
    ),
)


def run_npm(*arguments: str, cwd: Path) -> str:
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is missing: install Node.js and npm, then run this again.")
    completed = subprocess.run(  # noqa: S603 - fixed npm commands with pinned package specs
        [npm, *arguments],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=NPM_TIMEOUT_SECONDS,
        check=False,
    )
    if completed.returncode != 0:
        raise SystemExit(f"npm {' '.join(arguments)} failed:\n{completed.stderr.strip()}")
    return completed.stdout


def sri_sha512(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def fetch_tarball(package: NpmPackage, workdir: Path) -> tuple[Path, str]:
    """Download the package's tarball into `workdir`, check its integrity and return its
    path and the registry URL it came from."""
    packed = json.loads(
        run_npm("pack", package.spec, "--json", "--pack-destination", ".", cwd=workdir)
    )
    path = workdir / packed[0]["filename"]
    found = sri_sha512(path.read_bytes())
    if found != package.integrity:
        raise SystemExit(
            f"{package.spec}: tarball integrity {found} differs from the pinned "
            f"{package.integrity}; check the release before updating the pin."
        )
    url = json.loads(run_npm("view", package.spec, "dist.tarball", "--json", cwd=workdir))
    return path, str(url)


def vendor_package(package: NpmPackage, workdir: Path) -> dict[str, object]:
    """Write the package's files under VENDOR and return its manifest entry."""
    tarball, url = fetch_tarball(package, workdir)
    entries = []
    with tarfile.open(tarball, "r:gz") as archive:
        for item in package.files:
            member = archive.extractfile(item.source)
            if member is None:
                raise SystemExit(f"{package.spec}: {item.source} is not a regular file")
            data = member.read()
            if item.convert is not None:
                data = item.convert(data)
            target = VENDOR / item.target
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            entries.append(
                {
                    "path": item.target,
                    "source": item.source,
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "licence": item.licence,
                }
            )
    return {
        "package": package.name,
        "version": package.version,
        "licence": package.licence,
        "tarball": url,
        "integrity": package.integrity,
        "files": entries,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    manifest = []
    for package in PACKAGES:
        with tempfile.TemporaryDirectory(prefix="cuenty-vendor-") as workdir:
            manifest.append(vendor_package(package, Path(workdir)))
        print(f"vendored {package.spec} ({package.licence})")
    text = json.dumps({"packages": manifest}, indent=2, ensure_ascii=False) + "\n"
    MANIFEST.write_text(text, encoding="utf-8")
    print(f"wrote {MANIFEST.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
