"""Fixtures are shared through pytest, not through imports (issue 12, item 6), checked on the source of
tests/ so that a new file is covered.

- No module imports a test module (tests/**/test_*.py) or a conftest.py: pytest collects and loads those
  itself, and a constant or helper two modules need belongs in a helper module.
- No module imports a fixture. A test receives it as an argument, from its own module, a conftest.py of
  its folder, or a plugin module that tests/conftest.py lists in `pytest_plugins` (pytest reads that list
  in the top-level conftest only); nothing imports a plugin module either.
- A module that defines fixtures is therefore a test module, a conftest.py or a listed plugin. Helper
  modules (tests/factories.py, tests/second_factor.py, builders of rows) hold plain functions and are
  imported like any other module.
"""

import ast
from pathlib import Path

from dbsbm.settings.base import BASE_DIR

TESTS_DIR = Path(BASE_DIR) / "tests"


def _is_fixture(function: ast.AST) -> bool:
    """Decorated with pytest.fixture / fixture, called or not (pytest_asyncio.fixture as well)."""
    if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
        if name == "fixture":
            return True
    return False


class SourceTree:
    """The modules of one tests package (`root`, a folder with __init__.py), parsed once."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.paths: dict[str, Path] = {}
        self.trees: dict[str, ast.Module] = {}
        for path in sorted(root.rglob("*.py")):
            parts = path.relative_to(root.parent).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            self.paths[name] = path
            self.trees[name] = ast.parse(path.read_text(), filename=str(path))
        self.plugins = self._plugins()

    def _plugins(self) -> list[str]:
        """The module names listed in `pytest_plugins = [...]` of the top-level conftest.py."""
        for node in self.trees.get(f"{self.root.name}.conftest", ast.Module(body=[])).body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "pytest_plugins" for t in node.targets):
                return [ast.literal_eval(element) for element in node.value.elts]
        return []

    def kind(self, name: str) -> str:
        filename = self.paths[name].name
        if filename.startswith("test_"):
            return "test module"
        if filename == "conftest.py":
            return "conftest"
        return "plugin" if name in self.plugins else "helper"

    def fixtures(self, name: str) -> list[str]:
        return [node.name for node in self.trees[name].body if _is_fixture(node)]

    def _package(self, name: str) -> str:
        return name if self.paths[name].name == "__init__.py" else name.rpartition(".")[0]

    def imports(self, name: str):
        """(line, module, imported name or None) of every import of a module of this tree, at any depth
        (imports inside functions count). `from package import module` imports the module."""
        for node in sorted(ast.walk(self.trees[name]), key=lambda node: getattr(node, "lineno", 0)):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield node.lineno, alias.name, None
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    package = self._package(name).split(".")
                    base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
                for alias in node.names:
                    submodule = f"{base}.{alias.name}"
                    if submodule in self.paths:
                        yield node.lineno, submodule, None
                    else:
                        yield node.lineno, base, alias.name

    def import_violations(self, name: str) -> list[str]:
        found = []
        for line, module, imported in self.imports(name):
            if module not in self.paths or module == name:
                continue
            kind = self.kind(module)
            if kind in ("test module", "conftest", "plugin"):
                what = f"{imported} from the {kind}" if imported else f"the {kind}"
                found.append(f"line {line}: imports {what} {module}")
            elif imported in self.fixtures(module):
                found.append(f"line {line}: imports the fixture {imported} from {module}")
        return found

    def home_violations(self, name: str) -> list[str]:
        fixtures = self.fixtures(name)
        if fixtures and self.kind(name) == "helper":
            return [f"defines fixtures {fixtures} outside a test module, a conftest.py or a pytest_plugins module"]
        return []


TREE = SourceTree(TESTS_DIR)


def _by_file(check) -> dict[str, list[str]]:
    found = {str(TREE.paths[name].relative_to(BASE_DIR)): check(name) for name in sorted(TREE.paths)}
    return {path: violations for path, violations in found.items() if violations}


def _listing(violations: dict[str, list[str]]) -> str:
    return "\n".join(f"{path}: {violation}" for path, found in violations.items() for violation in found)


def test_no_module_imports_a_test_module_a_conftest_a_plugin_or_a_fixture():
    violations = _by_file(TREE.import_violations)

    assert violations == {}, _listing(violations)


def test_fixtures_live_in_test_modules_conftests_or_listed_plugins():
    violations = _by_file(TREE.home_violations)

    assert violations == {}, _listing(violations)


def test_every_listed_plugin_exists():
    assert [plugin for plugin in TREE.plugins if plugin not in TREE.paths] == []


SAMPLE = {
    "__init__.py": "",
    "conftest.py": 'pytest_plugins = ["sample.fixtures.mail"]\n',
    "fixtures/__init__.py": "",
    "fixtures/mail.py": "import pytest\n\n@pytest.fixture\ndef smtp_server():\n    return 1\n",
    "area/__init__.py": "",
    "area/conftest.py": "import pytest\n\nNOW = 1\n\n@pytest.fixture\ndef league():\n    return 2\n",
    "area/helpers.py": "import pytest\n\ndef build():\n    return 3\n\n@pytest.fixture()\ndef officer():\n    return 4",
    "area/test_one.py": "def outcomes():\n    return []\n",
    "area/test_two.py": (
        "from sample.area.test_one import outcomes\n"
        "from sample.area.conftest import NOW\n"
        "from sample.area.helpers import build, officer\n"
        "from sample.fixtures.mail import smtp_server\n"
        "from . import helpers\n"
        "\n"
        "def test_it():\n"
        "    from sample.area import test_one\n"
    ),
}


def test_the_rules_find_each_kind_of_violation(tmp_path):
    for relative, text in SAMPLE.items():
        (tmp_path / "sample" / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "sample" / relative).write_text(text)

    tree = SourceTree(tmp_path / "sample")

    assert tree.import_violations("sample.area.test_two") == [
        "line 1: imports outcomes from the test module sample.area.test_one",
        "line 2: imports NOW from the conftest sample.area.conftest",
        "line 3: imports the fixture officer from sample.area.helpers",
        "line 4: imports smtp_server from the plugin sample.fixtures.mail",
        "line 8: imports the test module sample.area.test_one",
    ]
    assert tree.home_violations("sample.area.helpers") == [
        "defines fixtures ['officer'] outside a test module, a conftest.py or a pytest_plugins module"
    ]
    assert [tree.home_violations(name) for name in ("sample.fixtures.mail", "sample.area.conftest")] == [[], []]
