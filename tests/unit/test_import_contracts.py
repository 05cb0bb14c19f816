"""The import contracts bite: one forbidden import added to a copy of the package breaks them.

Each test copies the package and pyproject.toml (the import-linter configuration) to its
tmp_path, adds the forbidden import there, and runs lint-imports on the copy in a subprocess
whose import path is the copy alone, with the cache off, so nothing is written outside tmp_path.
Four runs of about a second each.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

QT = "Qt and pyqtgraph are imported only by the UI"
ENTRY_POINT = "Only the application entry point imports the UI"
UI_NO_DATABASE = "The UI goes through services: no SQLAlchemy, Alembic or ORM models"

STATUS = re.compile(r"^(?P<name>.+) (?P<status>KEPT|BROKEN)(?: \(\d+ ignored imports?\))?$")


def contract_names() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {contract["name"] for contract in config["tool"]["importlinter"]["contracts"]}


def copy_package(tmp_path: Path) -> Path:
    shutil.copytree(
        ROOT / "ketachart",
        tmp_path / "ketachart",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    shutil.copy2(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def add_lines(copy: Path, module: str, *lines: str) -> None:
    path = copy / module
    assert path.is_file(), f"{module} is gone: pick another module for this test"
    with path.open("a", encoding="utf-8") as file:
        file.write("\n" + "\n".join(lines) + "\n")


def lint_imports(copy: Path) -> tuple[dict[str, str], str]:
    """Run lint-imports on the copy; the status of each contract by name, and the report."""
    env = {
        **os.environ,
        "PYTHONPATH": str(copy),
        "PYTHONDONTWRITEBYTECODE": "1",
        "COLUMNS": "400",  # one contract a line in the summary: no wrapping
        "NO_COLOR": "1",
    }
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from importlinter.cli import lint_imports_command; lint_imports_command()",
            "--no-cache",
        ],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    report = done.stdout + done.stderr
    statuses = {
        match["name"]: match["status"]
        for line in report.splitlines()
        if (match := STATUS.match(line.strip()))
    }
    assert set(statuses) == contract_names(), report
    assert done.returncode == (1 if "BROKEN" in statuses.values() else 0), report
    return statuses, report


def assert_broken(statuses: dict[str, str], report: str, broken: set[str]) -> None:
    assert broken <= set(statuses), report
    expected = {name: "BROKEN" if name in broken else "KEPT" for name in statuses}
    assert statuses == expected, report


def test_the_unchanged_package_keeps_every_contract(tmp_path: Path) -> None:
    statuses, report = lint_imports(copy_package(tmp_path))
    assert_broken(statuses, report, broken=set())


def test_qt_in_a_module_outside_the_ui_breaks_the_qt_contract(tmp_path: Path) -> None:
    # logs.py is listed in no contract by name: the whole package is covered
    copy = copy_package(tmp_path)
    add_lines(copy, "ketachart/logs.py", "import PySide6")
    statuses, report = lint_imports(copy)
    assert_broken(statuses, report, broken={QT})
    assert "ketachart.logs -> PySide6 (" in report


def test_the_database_in_a_ui_view_breaks_the_ui_contract(tmp_path: Path) -> None:
    copy = copy_package(tmp_path)
    add_lines(
        copy,
        "ketachart/ui/patients_view.py",
        "import sqlalchemy",
        "from ketachart.models import Patient",
    )
    statuses, report = lint_imports(copy)
    assert_broken(statuses, report, broken={UI_NO_DATABASE})
    assert "ketachart.ui.patients_view -> sqlalchemy (" in report
    assert "ketachart.ui.patients_view -> ketachart.models (" in report


def test_pyqtgraph_in_reports_the_ui_outside_the_entry_point_and_the_demo_in_services(
    tmp_path: Path,
) -> None:
    # Three mutations in one run (the runs are the slow part), each breaking its own contract:
    # pyqtgraph imported directly, the UI (hence Qt) imported by a module that is not the entry
    # point, and the demo generator imported by the services it sits above.
    copy = copy_package(tmp_path)
    add_lines(copy, "ketachart/reports/vitals_chart.py", "import pyqtgraph")
    add_lines(copy, "ketachart/logs.py", "from ketachart.ui import theme")
    add_lines(copy, "ketachart/services/users.py", "from ketachart.demo import fill_demo")
    statuses, report = lint_imports(copy)
    layers = next(name for name in statuses if name.startswith("Layers:"))
    assert_broken(statuses, report, broken={QT, ENTRY_POINT, layers})
    assert "ketachart.reports.vitals_chart -> pyqtgraph (" in report
    assert "ketachart.logs -> ketachart.ui.theme (" in report
    assert "ketachart.services.users -> ketachart.demo (" in report
