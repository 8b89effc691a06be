"""The code map's import rules (README, "Code map"), checked over every module's imports.

* Domain packages (everything but ``defs``, ``cli`` and ``definitions.py``) never import Dagster,
  the Dagster wrappers or the CLI.
* Only the simulator itself, the Dagster wrappers and the CLI import the simulator
  (``tft_assets.sources.demo``): domain code reads reference data, never the demo world.
* The Dagster wrappers never import the CLI.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "tft_assets"
SIMULATOR = "tft_assets.sources.demo"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


MODULES = {_module_name(p): _imports(p) for p in sorted(PACKAGE.rglob("*.py"))}


def _area(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_the_walk_finds_the_packages_of_the_code_map() -> None:
    areas = {_area(m) for m in MODULES}
    expected = {"backtest", "cli", "defs", "features", "models", "monitoring", "posts"}
    assert expected | {"risk", "sources", "tracking"} <= areas
    assert {"settings", "lake", "models", "backtest", "risk"} <= set(ALLOWED)


@pytest.mark.parametrize(
    "module", sorted(m for m in MODULES if _area(m) not in ("defs", "cli", "definitions"))
)
def test_domain_code_imports_neither_dagster_nor_the_wrappers(module: str) -> None:
    bad = sorted(
        n
        for n in MODULES[module]
        if _within(n, "dagster")
        or n.startswith("dagster_")
        or _within(n, "tft_assets.defs")
        or _within(n, "tft_assets.cli")
    )
    assert not bad, f"{module} imports {bad}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_only_the_simulator_wrappers_and_cli_import_the_simulator(module: str) -> None:
    if _within(module, SIMULATOR) or _area(module) in ("defs", "cli"):
        return
    bad = sorted(n for n in MODULES[module] if _within(n, SIMULATOR))
    assert not bad, f"{module} imports the simulator: {bad}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _area(m) == "defs"))
def test_dagster_wrappers_never_import_the_cli(module: str) -> None:
    bad = sorted(n for n in MODULES[module] if _within(n, "tft_assets.cli"))
    assert not bad, f"{module} imports {bad}"


README = PACKAGE.parent / "README.md"
#: Areas whose row in the code map is prose ("the domain packages", "everything"): ``defs`` and
#: ``cli`` may import any domain package, and nothing may import them but themselves.
WRAPPERS = {"defs", "cli", "definitions"}


def _code_map() -> dict[str, set[str]]:
    """The README code map's "may import" column: the project packages each area may use.

    A row's first cell names one or more packages in backticks (``lake/``, ``calendar.py``,
    ``sources/demo/``, a subpackage counting for its area); the last cell's backticked names
    that are areas of the project are what they may import. The README is the only copy.
    """
    text = README.read_text(encoding="utf-8")
    table = text.split("## Code map", 1)[1].split("\n## ", 1)[0]
    areas = {_area(m) for m in MODULES} - {""}
    allowed: dict[str, set[str]] = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[0].startswith("`"):
            continue
        names = {
            n.strip("/").split("/")[0].removesuffix(".py")
            for n in re.findall(r"`([^`]+)`", cells[0])
        }
        used = {n.removesuffix(".py").strip("/") for n in re.findall(r"`([^`]+)`", cells[-1])}
        for name in names - WRAPPERS:
            allowed.setdefault(name, set()).update(used & areas)
    return allowed


ALLOWED = _code_map()


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _area(m) in ALLOWED))
def test_domain_packages_import_only_what_the_code_map_allows(module: str) -> None:
    area = _area(module)
    used = {n.split(".")[1] for n in MODULES[module] if n.startswith("tft_assets.")}
    bad = sorted(used - ALLOWED[area] - {area})
    assert not bad, f"{module} imports {bad}; the README's code map allows {sorted(ALLOWED[area])}"


def test_every_package_has_a_row_in_the_code_map() -> None:
    assert {_area(m) for m in MODULES} - WRAPPERS - {""} <= set(ALLOWED)
