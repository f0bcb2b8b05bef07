"""The layout's dependency rules (docs/architecture.md), checked by reading the imports of every
file with `ast`: an import inside a function counts as much as one at the top."""

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# What each package may import of the others. `config` (settings, URLs, the error type) wires
# the project together and is not an app: it is left out of the table.
BOTTOM = {"config", "signing", "storage"}
MAY_IMPORT = {
    "storage": set(),
    "signing": {"config"},
    "bidtool": {"signing"},
    "monitoring": BOTTOM,
    "accounts": BOTTOM | {"monitoring"},
    "trading": BOTTOM | {"monitoring", "accounts"},
    "bids": BOTTOM | {"monitoring", "accounts", "trading"},
    "evaluation": BOTTOM | {"monitoring", "accounts", "trading", "bids"},
    "supervision": BOTTOM | {"monitoring", "accounts", "trading", "bids", "evaluation"},
    # Running the platform (backup, restore, database roles): above every app.
    "operations": BOTTOM
    | {"monitoring", "accounts", "trading", "bids", "evaluation", "supervision"},
}
PACKAGES = {*MAY_IMPORT, "config"}
# The bidder's machine has no Django: nothing bidtool imports, however indirectly, may use it.
WEB_FRAMEWORKS = {"django", "rest_framework", "drf_spectacular", "django_fsm"}


def python_files(*folders: str) -> Iterator[Path]:
    for folder in folders:
        yield from sorted((ROOT / folder).rglob("*.py"))


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> Iterator[tuple[int, str, list[str]]]:
    """(line, module, names) of every import in the file, relative ones made absolute."""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, []
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            yield node.lineno, module, [alias.name for alias in node.names]


def where(path: Path, line: int) -> str:
    return f"{path.relative_to(ROOT)}:{line}"


def test_each_app_imports_only_the_layers_below_it():
    broken = []
    for package, allowed in MAY_IMPORT.items():
        for path in python_files(package):
            for line, module, _names in imports_of(path):
                top = module.split(".")[0]
                if top in PACKAGES and top != package and top not in allowed:
                    broken.append(f"{where(path, line)}: {package} imports {module}")
    assert broken == []


def test_nothing_bidtool_imports_uses_django():
    files = {module_name(path): path for path in python_files(*PACKAGES)}
    seen: set[str] = set()
    waiting = [module_name(path) for path in python_files("bidtool")]
    broken = []
    while waiting:
        name = waiting.pop()
        if name in seen:
            continue
        seen.add(name)
        path = files[name]
        for line, module, names in imports_of(path):
            if module.split(".")[0] in WEB_FRAMEWORKS:
                broken.append(f"{where(path, line)}: {name} imports {module}")
            for candidate in (module, *(f"{module}.{item}" for item in names)):
                if candidate in files:
                    waiting.append(candidate)
    assert broken == []
    assert "signing.envelope.seal" in seen  # the walk did reach signing


def test_no_file_imports_a_private_name_of_another_module():
    broken = [
        f"{where(path, line)}: from {module} import {name}"
        for path in python_files(*PACKAGES, "tests", "bench")
        for line, module, names in imports_of(path)
        for name in names
        if name.startswith("_") and not name.startswith("__")
    ]
    assert broken == []
