"""The large benchmark data in ``../shared/data`` beside a developer checkout.

A user's clone has no ``../shared``; every test that reads it goes through :func:`shared_data`
(or :func:`shared_params` for a parametrisation), which skips the test, saying why, when the
data is absent. Small data the tests always need ships in ``tests/data`` instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def shared_path(relative: str) -> Path:
    """Where ``../shared/data/<relative>`` would be; it may not exist."""
    return SHARED_DATA / relative


def skip_reason(relative: str, why: str) -> str:
    return f"../shared/data/{relative} is not beside this checkout (a user's clone has none): {why}"


def shared_data(relative: str, why: str) -> Path:
    """The path of ``../shared/data/<relative>``; skips the calling test when it is absent."""
    path = shared_path(relative)
    if not path.exists():
        pytest.skip(skip_reason(relative, why))
    return path


def shared_params(folder: str, pattern: str, why: str) -> list[object]:
    """The stems of the files matching ``pattern`` in ``../shared/data/<folder>``, for
    ``pytest.mark.parametrize``; one skipped parameter, saying why, when the folder is absent."""
    stems = sorted(path.stem for path in shared_path(folder).glob(pattern))
    if stems:
        return list(stems)
    return [pytest.param("", marks=pytest.mark.skip(reason=skip_reason(folder, why)))]
