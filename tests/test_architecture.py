"""Import-time boundaries that the CLI's start-up speed depends on (contracts: pyproject)."""

from __future__ import annotations

import subprocess
import sys


def _loaded_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_cli_import_leaves_the_app_factory_unloaded() -> None:
    loaded = _loaded_after("import app.cli, app.serving")
    assert "app.main" not in loaded
    assert "app.web" not in loaded


def test_practice_cli_builds_services_without_the_web_app() -> None:
    loaded = _loaded_after("import app.practice.cli, app.services")
    assert "app.main" not in loaded
    assert not {name for name in loaded if name.startswith("app.web")}
