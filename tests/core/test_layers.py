"""The shape of the code: no import of an `edt` module hides inside a function (it would hide a
dependency that the import contract cannot see), unless its line says why with `# noqa: <reason>`."""
import ast
import re

from edt.config import ROOT

EDT = ROOT / "edt"
REASON = re.compile(r"#\s*noqa:\s*\S.*")


def _is_edt(node) -> bool:
    if isinstance(node, ast.ImportFrom):
        return node.level > 0 or (node.module or "").split(".")[0] == "edt"
    return any(alias.name.split(".")[0] == "edt" for alias in node.names)


def function_level_imports() -> list[tuple[str, int, str, bool]]:
    """(file, line, statement, has a reason) for every import of edt.* inside a function in edt/."""
    found = []
    for path in sorted(EDT.rglob("*.py")):
        if "migrations" in path.relative_to(EDT).parts:
            continue
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for func in ast.walk(ast.parse(source, filename=str(path))):
            if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(func):
                if isinstance(node, (ast.Import, ast.ImportFrom)) and _is_edt(node):
                    text = " ".join(lines[node.lineno - 1:node.end_lineno])
                    found.append((str(path.relative_to(ROOT)), node.lineno, lines[node.lineno - 1].strip(),
                                  bool(REASON.search(text))))
    return sorted(set(found))


def test_the_scan_finds_an_import_inside_a_function(tmp_path, monkeypatch):
    package = tmp_path / "edt"
    package.mkdir()
    (package / "sample.py").write_text("import os\n\n\ndef f():\n    from edt import clock\n\n\n"
                                       "def g():\n    from edt import audit  # noqa: the app factory imports us\n"
                                       "    import json\n", encoding="utf-8")
    monkeypatch.setitem(globals(), "EDT", package)
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    assert function_level_imports() == [("edt/sample.py", 5, "from edt import clock", False),
                                        ("edt/sample.py", 9, "from edt import audit  # noqa: the app factory imports us",
                                         True)]


def test_no_import_of_edt_hides_inside_a_function_without_a_reason():
    offenders = [f"{path}:{line}: {statement}" for path, line, statement, reason in function_level_imports()
                 if not reason]
    assert not offenders, (f"{len(offenders)} imports of edt.* inside functions (move each to the top of its file, "
                           "or say why on its line with `# noqa: <reason>`):\n" + "\n".join(offenders))


def _names_defined_by_the_app_factory() -> set[str]:
    tree = ast.parse((EDT / "__init__.py").read_text(encoding="utf-8"))
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {target.id for target in node.targets if isinstance(target, ast.Name)}
    return names


def test_no_module_imports_the_app_factory_package():
    """`from edt import audit` imports the module edt.audit; `from edt import create_app` (or
    `import edt`) would import the app factory package itself, which only the WSGI server and the
    tests may do."""
    factory = _names_defined_by_the_app_factory()
    assert "create_app" in factory
    offenders = []
    for path in sorted(EDT.rglob("*.py")):
        if path == EDT / "__init__.py" or "migrations" in path.relative_to(EDT).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import) and any(alias.name == "edt" for alias in node.names):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: import edt")
            if isinstance(node, ast.ImportFrom) and node.module == "edt" and node.level == 0:
                offenders += [f"{path.relative_to(ROOT)}:{node.lineno}: from edt import {alias.name}"
                              for alias in node.names if alias.name in factory]
    assert not offenders, "\n".join(offenders)
