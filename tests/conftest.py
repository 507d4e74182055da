"""Shared fixtures: the mini catalog, the real data in ../shared, the embedded networks."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED_REAL = ROOT.parent / "shared" / "data" / "real"


@pytest.fixture
def mini_catalog_dir(tmp_path: Path) -> Path:
    """A writable copy of the mini catalog."""
    dest = tmp_path / "catalog"
    shutil.copytree(FIXTURES / "mini_catalog", dest)
    return dest


def real_file(name: str) -> Path:
    """A file of ../shared/data/real, or skip (fail in CI) when it is absent."""
    path = SHARED_REAL / name
    if not path.is_file():
        if os.environ.get("SILKROUTE_REQUIRE_SHARED"):
            pytest.fail(f"{path} is missing but SILKROUTE_REQUIRE_SHARED is set")
        pytest.skip(f"{path} not available (tests on real data need ../shared beside the repo)")
    return path


@pytest.fixture(scope="session")
def baseline():
    """The embedded network under the baseline scenario."""
    from silkroute import scenario

    return scenario.network("baseline")


@pytest.fixture(scope="session")
def cku_open():
    """The embedded network with the CKU railway open."""
    from silkroute import scenario

    return scenario.network("cku-open")
