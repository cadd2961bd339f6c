"""The fenced code blocks of README.md and docs/*.md, found by walking the Markdown.

tests/test_docs.py checks every block (and says per language how); tests/test_examples.py runs the
YAML and TypeScript programs among them through the package's plugin. A marker on the line just
above a block's opening fence says what a block needs (see tests/test_docs.py):
``<!-- doc-test: skip REASON -->``, ``<!-- doc-test: continues -->``,
``<!-- doc-test: output-of COMMAND -->``.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_FENCE = re.compile(r"^\s*(```+|~~~+)\s*([\w+-]*)\s*$")
_MARKER = re.compile(r"^\s*<!--\s*doc-test:\s*(.*?)\s*-->\s*$")


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # the opening fence, 1-based
    language: str
    code: str
    marker: str  # what follows "doc-test:" in the marker above the fence, or ""
    report: Block | None = None  # TypeScript: a ```text block right after it, what the engine reports for it

    @property
    def id(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"

    @property
    def skipped(self) -> bool:
        return self.marker.startswith("skip")


def blocks_of(path: Path) -> list[Block]:
    lines = path.read_text().splitlines()
    found: list[Block] = []
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        fence, language = opening.groups()
        end = next(j for j in range(i + 1, len(lines)) if lines[j].strip() == fence)
        above = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), "")
        marker = _MARKER.match(above)
        code = textwrap.dedent("\n".join(lines[i + 1 : end])) + "\n"
        found.append(Block(path, i + 1, language.lower(), code, marker[1] if marker else ""))
        i = end + 1
    # A ```text block right after a program block is what the engine reports for it.
    return [
        replace(block, report=following)
        if following is not None and following.language == "text" and block.language == "typescript"
        else block
        for block, following in zip(found, [*found[1:], None][: len(found)], strict=True)
    ]


def all_blocks() -> list[Block]:
    return [block for path in DOCS for block in blocks_of(path)]


def blocks(*languages: str) -> list[Block]:
    """The blocks of those languages that are not marked ``skip``."""
    return [block for block in all_blocks() if block.language in languages and not block.skipped]
