"""The installed version of canvasframe, read once from the package metadata (``pyproject.toml``)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("canvasframe")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"
