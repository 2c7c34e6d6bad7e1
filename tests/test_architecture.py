"""The layering holds: import-linter's contracts (pyproject.toml) pass, every view module is
covered by the views contracts, and no view commits or rolls back by hand."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

from crm.config import ROOT

CONTRACTS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def _view_modules() -> dict[str, list[str]]:
    """Every feature's view modules (views.py and *_views.py), by feature."""
    found: dict[str, list[str]] = {}
    for path in sorted((ROOT / "crm").glob("*/*.py")):
        if path.name == "views.py" or path.name.endswith("_views.py"):
            found.setdefault(path.parent.name, []).append(f"crm.{path.parent.name}.{path.stem}")
    return found


def test_import_linter_contracts_pass():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_every_view_module_is_forbidden_to_every_other_feature():
    views = _view_modules()
    contracts = {
        c["source_modules"][0].split(".")[1]: set(c["forbidden_modules"])
        for c in CONTRACTS["contracts"]
        if c["name"].endswith("imports no other feature's views")
    }
    # crm.imports' views are the shared import pages every feature wires to its own URLs.
    shared = {"imports"}
    assert set(contracts) >= set(views) - shared
    for feature, forbidden in contracts.items():
        others = {m for f, mods in views.items() if f not in (feature, *shared) for m in mods}
        assert others <= forbidden, f"{feature}: add {sorted(others - forbidden)} to its contract"


def test_views_never_commit_or_roll_back():
    """The request commits once when its view returns (crm.web); refusals roll back through
    crm.services.show_error / refuse / discard_changes."""
    offenders = []
    for modules in _view_modules().values():
        for name in modules:
            path = ROOT / (name.replace(".", "/") + ".py")
            for n, line in enumerate(path.read_text().splitlines(), start=1):
                if re.search(r"\.(commit|rollback)\(\)", line):
                    offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not offenders, offenders
