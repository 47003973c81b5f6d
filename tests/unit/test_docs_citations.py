"""Every ``<file>.md §N.M`` the code cites is a numbered heading of a file in docs/.

Code, tests and bench scripts write ``docs/protocol.md §4.8`` (several sections after
one name: ``§1.10, §1.14``; a range: ``§1.3-§1.8``, both ends checked). Inside docs/
the name is written without ``docs/`` and a bare ``§N`` means the same page. A
specification is cited by name and version (``MBIM 1.0 §6``) and not checked. A
citable section is a heading that starts with its number: ``## 4. Title`` or
``### 4.8 Title`` (docs/README.md).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
SCANNED = ("fcc_unlock", "tests", "bench", "docs")
SUFFIXES = {".py", ".md", ".txt", ".sh", ".rules", ".service", ".toml"}

SECTION = r"§\d+(?:\.\d+)*"
# One or more sections after a name: "§1.1, §5", "§1.3-§1.8", "§9.3 and §9.4".
SECTIONS = rf"{SECTION}(?:\s*(?:,|-|\u2013|and)\s*{SECTION})*"  # \u2013: en dash
DOCUMENT = re.compile(rf"(?<![\w./-])(?P<name>(?:[\w.-]+/)*[\w.-]+\.md)\s+(?P<sections>{SECTIONS})")
SPECIFICATION = re.compile(rf"\b[A-Z][A-Za-z-]*\s+v?\d+(?:\.\d+)*\s+(?P<sections>{SECTIONS})")
BARE = re.compile(SECTIONS)
HEADING = re.compile(r"^#{1,6}\s+(\d+(?:\.\d+)*)\.?(?:\s|$)")


def headings(path: Path) -> set[str]:
    """The section numbers of a Markdown file's numbered headings (outside code fences)."""
    numbers, fenced = set(), False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (match := HEADING.match(line)):
            numbers.add(match.group(1))
    return numbers


def numbers(sections: str) -> list[str]:
    return re.findall(r"§(\d+(?:\.\d+)*)", sections)


def citations(text: str, in_docs: bool, page: str | None = None) -> tuple[list[tuple[str, str]], list[str]]:
    """``([(docs file, section number)...], [problems])`` for one file's text.

    ``in_docs``: the text is a page of docs/ (named ``page``), where names are relative
    to docs/ and a bare section refers to the page itself.
    """
    found: list[tuple[str, str]] = []
    problems: list[str] = []
    covered = [False] * len(text)
    for match in DOCUMENT.finditer(text):
        name = match.group("name")
        for i in range(match.start("sections"), match.end("sections")):
            covered[i] = True
        if in_docs and "/" not in name:
            name = f"docs/{name}"
        if not name.startswith("docs/") or "/" in name[len("docs/") :]:
            problems.append(f"{match.group(0)!r}: cite a file in docs/ as docs/NAME.md")
            continue
        found += [(name, number) for number in numbers(match.group("sections"))]
    for match in SPECIFICATION.finditer(text):
        for i in range(match.start("sections"), match.end("sections")):
            covered[i] = True
    for match in BARE.finditer(text):
        if covered[match.start()]:
            continue
        if in_docs and page is not None:
            found += [(page, number) for number in numbers(match.group(0))]
        else:
            problems.append(f"{match.group(0)!r} names no document: write docs/NAME.md {match.group(0)}")
    return found, problems


def scanned_files() -> list[Path]:
    files = []
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*")):
            if path.suffix in SUFFIXES and path.is_file() and "__pycache__" not in path.parts:
                if path.resolve() != Path(__file__).resolve():
                    files.append(path)
    return files


def check_tree() -> tuple[int, list[str]]:
    """(number of citations outside docs/, problems) over every scanned file."""
    known: dict[str, set[str]] = {}
    count, problems = 0, []
    for path in scanned_files():
        relative = path.relative_to(ROOT).as_posix()
        in_docs = relative.startswith("docs/")
        text = path.read_text(encoding="utf-8")
        found, file_problems = citations(text, in_docs, relative if in_docs else None)
        problems += [f"{relative}: {problem}" for problem in file_problems]
        for name, number in found:
            count += not in_docs
            target = ROOT / name
            if name not in known:
                known[name] = headings(target) if target.is_file() else set()
            if not target.is_file():
                problems.append(f"{relative}: {name} §{number}: {name} does not exist")
            elif number not in known[name]:
                problems.append(f"{relative}: {name} §{number}: no heading numbered {number} in {name}")
    return count, problems


def test_every_citation_points_at_a_numbered_heading_in_docs():
    count, problems = check_tree()
    assert problems == []
    # The code cites docs/protocol.md some forty times; finding far fewer means the
    # scanner, not the code, is broken.
    assert count >= 40


def test_headings_are_parsed_as_documented():
    assert headings(DOCS / "protocol.md") >= {"1", "1.1", "1.10", "4.8", "8.15"}
    assert headings(DOCS / "modemmanager.md") >= {"1", "1.1", "1.2", "2", "3"}


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("(docs/protocol.md §4.8)", [("docs/protocol.md", "4.8")]),
        ("docs/protocol.md §1.3-§1.8", [("docs/protocol.md", "1.3"), ("docs/protocol.md", "1.8")]),
        (
            "docs/modemmanager.md §1.1, §3\nand docs/protocol.md §4.9.",
            [
                ("docs/modemmanager.md", "1.1"),
                ("docs/modemmanager.md", "3"),
                ("docs/protocol.md", "4.9"),
            ],
        ),
        ("the vector of docs/protocol.md §4.8's test", [("docs/protocol.md", "4.8")]),
        ("descriptors (MBIM 1.0 §6), NCM 1.0 §6.2.1", []),
    ],
)
def test_citations_are_found(text, found):
    assert citations(text, in_docs=False) == (found, [])


@pytest.mark.parametrize(
    "text",
    [
        "see protocol.md §4.8",  # which protocol.md? not one in the repository
        "shared/reference/landscape.md §1.1",
        "design.md §3.1",
        "no padding, or QMI breaks (§8.3)",
    ],
)
def test_citations_outside_docs_are_problems(text):
    assert citations(text, in_docs=False)[1]


def test_inside_docs_names_are_relative_and_bare_sections_local():
    text = "as [protocol.md §2.5](protocol.md) says, and §1.2 here"
    found, problems = citations(text, in_docs=True, page="docs/modemmanager.md")
    assert problems == []
    assert found == [("docs/protocol.md", "2.5"), ("docs/modemmanager.md", "1.2")]
