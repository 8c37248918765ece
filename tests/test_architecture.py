"""Architecture rules checked on the source: no module imports another module's private names."""

from __future__ import annotations

import ast
from pathlib import Path

import stance

PACKAGE = Path(stance.__file__).parent


def _modules(package: Path) -> dict[str, Path]:
    """Dotted module name to file, for every module of ``package``."""
    out = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def _target(module: str, path: Path, node: ast.ImportFrom) -> str:
    """The absolute module an ``import from`` names (relative imports resolved)."""
    if node.level == 0:
        return node.module or ""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    package = package[: len(package) - (node.level - 1)]
    return ".".join([*package, *([node.module] if node.module else [])])


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_imports(package: Path) -> list[str]:
    """``file:line: from X import _name`` for each import of a private name of another stance module.

    Imports of a private *module* (``from stance.classifiers import _head``) are allowed, as are
    public names taken from a private module; every import counts, at module level or in a function.
    """
    modules = _modules(package)
    found = []
    for module, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            target = _target(module, path, node)
            if target.split(".")[0] != "stance" or target == module:
                continue
            where = f"{path.relative_to(package.parent).as_posix()}:{node.lineno}"
            for alias in node.names:
                if _private(alias.name) and f"{target}.{alias.name}" not in modules:
                    found.append(f"{where}: from {target} import {alias.name}")
    return found


def test_no_module_imports_another_modules_private_name():
    found = private_imports(PACKAGE)
    assert not found, "private names imported across modules:\n" + "\n".join(found)


def test_private_import_check_finds_every_form(tmp_path):
    pkg = tmp_path / "stance"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "a.py").write_text("_x = 1\n_Y = 2\n__version__ = '1'\n", encoding="utf-8")
    (pkg / "sub" / "__init__.py").write_text("from .. import a\n", encoding="utf-8")
    (pkg / "sub" / "_impl.py").write_text("z = 1\n", encoding="utf-8")
    (pkg / "sub" / "b.py").write_text(
        "import datetime as _dt\n"
        "from stance.a import __version__\n"
        "from stance.sub import _impl\n"
        "from stance.sub._impl import z\n"
        "from stance.a import (\n    __version__ as v,\n    _Y,\n)\n"
        "def f():\n    from ..a import _x\n",
        encoding="utf-8",
    )
    found = [line.split(": ", 1)[1] for line in private_imports(pkg)]
    assert found == ["from stance.a import _Y", "from stance.a import _x"]


_CONTAINERS = ("dict", "list", "set", "OrderedDict", "defaultdict", "WeakValueDictionary", "WeakKeyDictionary")
_FUNCTOOLS_CACHES = ("cache", "lru_cache", "functools.cache", "functools.lru_cache")


def _unregistered_caches(path: Path) -> list[str]:
    """Module-level empty containers and functools caches of ``path``: caches that :mod:`stance.cache` cannot clear."""
    found = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
        empty = (
            (isinstance(value, ast.Dict) and not value.keys)
            or (isinstance(value, ast.List | ast.Set) and not value.elts)
            or (
                isinstance(value, ast.Call)
                and ast.unparse(value.func).split(".")[-1] in _CONTAINERS
                and not value.args
                and not value.keywords
            )
        )
        if empty:
            found.append(f"{path.name}:{node.lineno}: {ast.unparse(node)}")
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for deco in node.decorator_list:
                call = deco.func if isinstance(deco, ast.Call) else deco
                if ast.unparse(call) in _FUNCTOOLS_CACHES:
                    found.append(f"{path.name}:{node.lineno}: @{ast.unparse(deco)} {node.name}")
    return found


def test_module_level_caches_are_registered():
    """A module-level cache is a :class:`stance.cache.BoundedCache` or ``@cache.lru``: ``cache.clear()`` empties it."""
    found = [
        hit
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != PACKAGE / "cache.py"
        for hit in _unregistered_caches(path)
    ]
    assert not found, "module-level caches outside stance.cache:\n" + "\n".join(found)


def test_cache_check_finds_dicts_and_functools_caches(tmp_path):
    path = tmp_path / "m.py"
    path.write_text(
        "import functools\nfrom collections import OrderedDict\n"
        "TABLE = {'a': 1}\n_SEEN: dict[str, int] = {}\n_ORDER = OrderedDict()\n"
        "@functools.lru_cache(maxsize=4)\ndef f(x):\n    return x\n"
        "def g():\n    local = {}\n    return local\n",
        encoding="utf-8",
    )
    assert [hit.split(": ", 1)[1].split(" ")[0] for hit in _unregistered_caches(path)] == [
        "_SEEN:",
        "_ORDER",
        "@functools.lru_cache(maxsize=4)",
    ]
