"""The architecture rules: import-linter's contracts in the root pyproject.toml, and what they cannot say.

`make lint` runs `lint-imports` against the real code. These tests check two things it does not:
that exactly one module imports the OPA client, and that the contracts really break on a violation
(run against a small synthetic package tree, so they do not depend on the state of the services).
"""

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "pyproject.toml"
IMPORTLINTER = tomllib.loads(CONFIG.read_text(encoding="utf-8"))["tool"]["importlinter"]
ROOT_PACKAGES: list[str] = IMPORTLINTER["root_packages"]
CONTRACTS: dict[str, dict] = {contract["id"]: contract for contract in IMPORTLINTER["contracts"]}
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def test_only_the_platforms_policy_module_imports_the_opa_client() -> None:
    graph = grimp.build_graph(*ROOT_PACKAGES, include_external_packages=True, cache_dir=None)
    assert graph.find_modules_that_directly_import("opa_client") == {"infohus_platform.policy"}


def test_the_shared_packages_have_no_import_circle() -> None:
    """The platform and the contracts are a library: no module of theirs reaches back to one that imports it."""
    graph = grimp.build_graph("infohus_platform", "infohus_contracts", cache_dir=None)
    circles = sorted(
        (importer, imported)
        for importer in graph.modules
        for imported in graph.find_modules_directly_imported_by(importer)
        if imported != importer and graph.chain_exists(importer=imported, imported=importer)
    )
    assert circles == [], f"import circles: {circles[:5]}"


def _write_module(tree: Path, module: str, source: str = "") -> None:
    """Write ``module`` into ``tree`` as a package (``a/b/__init__.py``), creating its parents as packages."""
    package = tree
    for part in module.split("."):
        package = package / part
        package.mkdir(exist_ok=True)
        (package / "__init__.py").touch()
    if source:
        with (package / "__init__.py").open("a", encoding="utf-8") as init:
            init.write(source + "\n")


def _permitted_imports() -> dict[str, str]:
    """The imports the contracts ignore (permit), importer to imported."""
    permitted = {}
    for contract in CONTRACTS.values():
        for ignored in contract.get("ignore_imports", []):
            importer, imported = ignored.split("->")
            permitted[importer.strip()] = imported.strip()
    return permitted


def _clean_tree(tree: Path) -> None:
    """A tree that keeps every contract: each module the contracts name, and each import they permit."""
    for package in ROOT_PACKAGES:
        _write_module(tree, package)
    for contract in CONTRACTS.values():
        for key in ("modules", "source_modules", "forbidden_modules"):
            for module in contract.get(key, []):
                if module.split(".")[0] in ROOT_PACKAGES:
                    _write_module(tree, module)
    for importer, imported in _permitted_imports().items():
        _write_module(tree, importer, f"import {imported}")


def _lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"PYTHONPATH": str(tree), "COLUMNS": "300", "NO_COLOR": "1"}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(tree / "pyproject.toml")],
        cwd=tree, env=env, capture_output=True, text=True, timeout=60,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    _clean_tree(tmp_path)
    return tmp_path


def _analysed_files(output: str) -> int:
    match = re.search(r"Analyzed (\d+) files", output)
    assert match, output
    return int(match.group(1))


def test_a_tree_that_follows_the_rules_keeps_every_contract(tree: Path) -> None:
    result = _lint_imports(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    # The synthetic tree was analysed, not the installed services: its files, plus the external packages it imports.
    external = {imported.split(".")[0] for imported in _permitted_imports().values()} - set(ROOT_PACKAGES)
    assert _analysed_files(result.stdout) == len(list(tree.rglob("*.py"))) + len(external)
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in result.stdout


VIOLATIONS = {
    "the network imports a case contract": (
        {"infohus_network.service.meetings": "from infohus_contracts.case import topics"},
        "network-no-case",
    ),
    "the network reaches a case contract through the platform": (
        {"infohus_network.service.meetings": "import infohus_platform.messaging",
         "infohus_platform.messaging": "import infohus_contracts.case"},
        "network-no-case",
    ),
    "one service imports another": (
        {"infohus_intake.service.concerns": "import infohus_assessment"},
        "services-independent",
    ),
    "a domain module imports SQLAlchemy through the platform": (
        {"infohus_intake.domain": "import infohus_platform.db",
         "infohus_platform.db": "from sqlalchemy import select"},
        "domain-no-framework",
    ),
    "a service calls OPA itself": (
        {"infohus_web.policy": "from opa_client.opa_async import AsyncOpaClient"},
        "opa-only-from-policy",
    ),
    "a base contract imports a case contract": (
        {"infohus_contracts.base.topics": "from infohus_contracts.case import topics"},
        "base-no-case",
    ),
}


@pytest.mark.parametrize(("modules", "contract_id"), VIOLATIONS.values(), ids=VIOLATIONS.keys())
def test_a_violation_breaks_the_contract_that_states_the_rule(
    tree: Path, modules: dict[str, str], contract_id: str
) -> None:
    for module, source in modules.items():
        _write_module(tree, module, source)
    result = _lint_imports(tree)
    output = " ".join(result.stdout.split())
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{CONTRACTS[contract_id]['name']} BROKEN" in output, result.stdout
    assert f"Contracts: {len(CONTRACTS) - 1} kept, 1 broken." in output, result.stdout
