"""Zones: activity-based office zoning and desk booking."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("zones")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"
