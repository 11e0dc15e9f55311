"""The API must stay small: creating the app loads no modelling library."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("sklearn", "statsmodels", "pandas", "scipy")
SCRIPT = """
import sys
from cuenty.app import create_app
from cuenty.config import Settings
from cuenty.kit.jobs import load_task_modules
create_app(Settings(_env_file=None, database_url="sqlite+aiosqlite:///:memory:", redis_url=None))
load_task_modules()
print(",".join(name for name in {heavy!r} if name in sys.modules))
"""


def test_app_start_imports_no_sklearn() -> None:
    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", SCRIPT.format(heavy=HEAVY)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
