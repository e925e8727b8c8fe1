"""The package's shape: layers that import one way, no cycles, a docstring per layer, no flat prefixes."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

from layers import ALLOWED, BASE, PACKAGE, cycles, imports, layer, modules, violations

ROOT = Path(__file__).resolve().parent.parent


def test_every_import_follows_the_layers() -> None:
    found = imports(ROOT)
    assert len(found) > 100, "the checker sees the package's imports"
    assert violations(found) == []


def test_no_import_cycles() -> None:
    assert cycles(imports(ROOT)) == []


def test_every_folder_is_a_declared_layer_with_a_docstring() -> None:
    folders = {p.parent for p in (ROOT / PACKAGE).rglob("*.py") if "_shipped" not in p.parts}
    layers = {layer(name) for name in modules(ROOT)} - {""} - BASE
    assert layers == set(ALLOWED), "a new folder needs its line in tests/layers.py and docs/architecture.md"
    for folder in folders:
        init = folder / "__init__.py"
        assert init.is_file(), f"{folder} is a package"
        text = init.read_text(encoding="utf-8")
        assert re.match(r'\s*"""\S', text), f"{init} starts with a docstring saying what the package owns"
    architecture = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for name in ALLOWED:
        assert f"`{name}/`" in architecture, f"docs/architecture.md describes {name}/"


def test_no_two_modules_of_a_folder_share_a_prefix() -> None:
    for folder in {p.parent for p in (ROOT / PACKAGE).rglob("*.py")}:
        stems = [p.stem for p in folder.glob("*.py") if "_" in p.stem.strip("_")]
        prefixes = Counter(stem.split("_")[0] for stem in stems)
        shared = {prefix for prefix, count in prefixes.items() if count > 1}
        assert not shared, f"{folder}: modules {sorted(s for s in stems if s.split('_')[0] in shared)} share a " \
                           "prefix — a folder should hold them"


def _copy(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / PACKAGE, tmp_path / PACKAGE, ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def test_the_checker_fails_when_a_forbidden_import_is_added(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    schema = root / PACKAGE / "model" / "schema.py"
    schema.write_text(schema.read_text(encoding="utf-8") + "\n\ndef _late() -> None:\n"
                      "    from ..forms.record_form import RecordForm  # noqa: F401\n", encoding="utf-8")
    found = violations(imports(root))
    assert len(found) == 1 and "bsc_widgets.model.schema" in found[0] and "bsc_widgets.forms.record_form" in found[0]
    store = root / PACKAGE / "store" / "store.py"
    store.write_text("from .. import Store  # noqa: F401\n" + store.read_text(encoding="utf-8"), encoding="utf-8")
    assert any("imports the package itself" in v for v in violations(imports(root)))


def test_the_checker_finds_a_cycle(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    periods = root / PACKAGE / "model" / "periods.py"
    periods.write_text("from .plan import top_down  # noqa: F401\n" + periods.read_text(encoding="utf-8"),
                       encoding="utf-8")
    found = cycles(imports(root))
    assert found and any({"bsc_widgets.model.periods", "bsc_widgets.model.plan"} <= set(group) for group in found)
    assert violations(imports(root)) == [], "a cycle inside one layer breaks no rule: only the cycle check sees it"


def test_type_checking_imports_do_not_count(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    words = root / PACKAGE / "model" / "words.py"
    words.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..forms import RecordForm\n"
                     + words.read_text(encoding="utf-8"), encoding="utf-8")
    assert violations(imports(root)) == []
