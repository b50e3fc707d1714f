"""Report modules over 600 lines, functions over 80 lines or 8 parameters, and `Any` in
function signatures, in the aggregator package (the limits of the architecture issue).

    .venv/bin/python scripts/code_shape.py      # prints offenders; exit 1 if any
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80
MAX_PARAMETERS = 8


def _mentions_any(node: ast.AST | None) -> bool:
    if node is None:
        return False
    for n in ast.walk(node):
        if isinstance(n, ast.Name) and n.id == "Any":
            return True
        if isinstance(n, ast.Attribute) and n.attr == "Any":
            return True
        if (
            isinstance(n, ast.Constant)
            and isinstance(n.value, str)
            and "Any"
            in n.value.split("[")[0:1]
            + n.value.replace("[", " ").replace("]", " ").replace(",", " ").split()
        ):
            return True
    return False


def offenders(package: Path) -> list[str]:
    out: list[str] = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package.parent)
        text = path.read_text(encoding="utf-8")
        lines = text.count("\n") + 1
        if lines > MAX_MODULE_LINES:
            out.append(f"{rel}: {lines} lines (max {MAX_MODULE_LINES})")
        for node in ast.walk(ast.parse(text)):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            assert node.end_lineno is not None
            length = node.end_lineno - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                out.append(f"{rel}:{node.lineno} {node.name}: {length} lines")
            a = node.args
            params = [*a.posonlyargs, *a.args, *a.kwonlyargs]
            params = [p for p in params if p.arg not in ("self", "cls")]
            count = len(params) + (a.vararg is not None) + (a.kwarg is not None)
            if count > MAX_PARAMETERS:
                out.append(f"{rel}:{node.lineno} {node.name}: {count} parameters")
            annotations = [p.annotation for p in [*params, a.vararg, a.kwarg] if p is not None]
            if any(_mentions_any(x) for x in [*annotations, node.returns]):
                out.append(f"{rel}:{node.lineno} {node.name}: Any in its signature")
    return out


def main() -> int:
    root = Path(__file__).resolve().parent.parent / "aggregator"
    found = offenders(root)
    for line in found:
        print(line)
    print(f"{len(found)} offenders", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
