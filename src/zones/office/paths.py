"""Where the office layouts and policy shipped with Zones live."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def shipped_config_dir() -> Path:
    """The `config/` folder: inside an installed wheel, or at the top of a source checkout."""
    packaged = Path(str(files("zones"))) / "config"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[3] / "config"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(
        f"Zones' config folder is missing (looked in {packaged} and {checkout}); reinstall the package"
    )


def default_policy_file() -> Path:
    """`config/policy.toml`: the policy every site starts from."""
    return shipped_config_dir() / "policy.toml"


def demo_office_file() -> Path:
    """`config/demo.toml`: the demo municipal office in Copenhagen."""
    return shipped_config_dir() / "demo.toml"


def demo_staff_file() -> Path:
    """`config/demo-staff.csv`: the demo office's staff and teams."""
    return shipped_config_dir() / "demo-staff.csv"
