"""The package as `pip install` leaves it, not the source tree: the wheel carries HTMX with its
licence and the gettext catalogues, and the installed app serves HTMX and speaks Danish.

The wheel is built from this clone and installed with `--target` into a folder of its own; the
app then runs in a subprocess whose `PYTHONPATH` puts that folder first, so `import zones` finds
the installed copy (the subprocess checks that it did) and its dependencies come from this venv.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from zones.web.render import HTMX_FILE

REPO = Path(__file__).resolve().parents[1]
LICENCE = HTMX_FILE.replace(".min.js", ".LICENSE.txt")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(folder), str(REPO)],
        check=True,
        timeout=180,
    )
    (built,) = folder.glob("zones-*.whl")
    return built


@pytest.fixture(scope="module")
def site(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(target), str(wheel)],
        check=True,
        timeout=180,
    )
    return target


def test_the_wheel_carries_htmx_its_licence_and_both_catalogues(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in (
        f"zones/web/static/{HTMX_FILE}",
        f"zones/web/static/{LICENCE}",
        "zones/web/locale/da/LC_MESSAGES/messages.po",
        "zones/web/locale/en/LC_MESSAGES/messages.po",
        "zones/web/templates/base.html",
        "zones/web/static/zones.css",
    ):
        assert name in names, f"{name} is missing from {wheel.name}"


# Runs inside the subprocess, against the installed copy only.
INSTALLED_APP = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path

    import zones
    assert Path(zones.__file__).resolve().is_relative_to(Path(sys.argv[1]).resolve()), zones.__file__

    from litestar.testing import TestClient
    from zones.db.migrate import upgrade
    from zones.server.app import create_app
    from zones.settings import Settings
    from zones.web.render import HTMX_FILE, static_url

    folder = Path(sys.argv[2])
    url = f"sqlite:///{folder / 'zones.db'}"
    upgrade(url)
    settings = Settings(data_dir=folder, database_url=url, release_interval_s=0)
    with TestClient(create_app(settings)) as client:
        htmx = client.get(static_url(HTMX_FILE))
        licence = client.get(static_url(HTMX_FILE.replace(".min.js", ".LICENSE.txt")))
        danish = client.get("/sign-in", headers={"accept-language": "da-DK,da;q=0.9"})
        english = client.get("/sign-in", headers={"accept-language": "en-GB"})
    print(json.dumps({
        "zones_file": zones.__file__,
        "htmx_url": static_url(HTMX_FILE),
        "htmx_status": htmx.status_code,
        "htmx_type": htmx.headers.get("content-type", ""),
        "htmx_cache": htmx.headers.get("cache-control", ""),
        "htmx_body": htmx.text[:2000],
        "licence_status": licence.status_code,
        "danish_status": danish.status_code,
        "danish": danish.text,
        "english": english.text,
    }))
    """
)


@pytest.fixture(scope="module")
def installed(site: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    folder = tmp_path_factory.mktemp("installed-data")
    result = subprocess.run(
        [sys.executable, "-c", INSTALLED_APP, str(site), str(folder)],
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin", "HOME": str(folder)},
        cwd=folder,  # not the clone: nothing may come from the source tree
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    answer: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return answer


def test_the_installed_package_is_the_one_under_test(installed: dict[str, object], site: Path) -> None:
    assert Path(str(installed["zones_file"])).resolve().is_relative_to(site.resolve())


def test_the_installed_app_serves_htmx_as_javascript_cached_for_a_year(installed: dict[str, object]) -> None:
    assert str(installed["htmx_url"]).startswith(f"/static/{HTMX_FILE}?v=")
    assert installed["htmx_status"] == 200
    assert "javascript" in str(installed["htmx_type"])
    cache = str(installed["htmx_cache"])
    assert "max-age=31536000" in cache and "immutable" in cache, cache
    assert str(installed["htmx_body"]).startswith("var htmx=")
    assert installed["licence_status"] == 200


def test_the_installed_app_renders_pages_in_danish_from_its_catalogue(installed: dict[str, object]) -> None:
    assert installed["danish_status"] == 200
    danish, english = str(installed["danish"]), str(installed["english"])
    assert '<html lang="da">' in danish
    assert "Log ind i Zones" in danish and "Sign in to Zones" not in danish
    assert "Gå til hovedindhold" in danish, "base.html's text comes from the catalogue too"
    assert '<html lang="en">' in english and "Sign in to Zones" in english
