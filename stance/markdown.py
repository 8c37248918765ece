"""Markdown documents: YAML front matter as metadata, the body rendered as plain text.

The file on disk is never changed; :func:`split_front_matter` returns the metadata and the
body, and :func:`render_inline` turns link markup and backslash escapes into the plain text
that a reader sees, which is what passages, hashes and models use.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import yaml

from stance.errors import StanceInputError

__all__ = ["render_inline", "split_front_matter", "split_markdown_blocks"]

_FRONT = re.compile(r"\A---[ \t]*\n(.*?\n)---[ \t]*\n", flags=re.S)
_LINK = re.compile(r"!?\[((?:[^\[\]\\]|\\.)*)\]\((?:[^()\s]|\([^()]*\))*(?:\s+\"[^\"]*\")?\)")
_AUTOLINK = re.compile(r"<(https?://[^>\s]+)>")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~ ])")
_EMPHASIS = re.compile(r"(\*\*|__)(\S(?:.*?\S)?)\1")
_LIST_OR_HEADING = re.compile(r"^\s*([-*+]\s+|\d{1,3}[.)]\s+|#{1,6}\s+|\(\w{1,4}\)\s+)")


def split_front_matter(text: str, file: str | Path | None = None) -> tuple[dict, str, int]:
    """Split a Markdown text into its front matter and body.

    Returns
    -------
    meta : dict
        Parsed YAML front matter (empty when the text has none).
    body : str
        The text after the front matter.
    offset : int
        Number of lines before the body, so body line ``n`` is file line ``n + offset``.

    Raises
    ------
    StanceInputError
        If the front matter is opened but never closed, is not valid YAML, or is not a mapping.
    """
    if not text.startswith("---"):
        return {}, text, 0
    match = _FRONT.match(text)
    if not match:
        raise StanceInputError("front matter opened with '---' on line 1 is never closed", file=file, line=1)
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        raise StanceInputError(f"front matter is not valid YAML: {exc}", file=file, line=line) from exc
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise StanceInputError("front matter must be a mapping of keys to values", file=file, line=2)
    return meta, text[match.end() :], match.group(0).count("\n")


def render_inline(text: str) -> str:
    """Render inline Markdown as plain text: links keep their text, escapes and emphasis markers go."""
    text = _LINK.sub(lambda m: m.group(1), text)
    text = _AUTOLINK.sub(lambda m: m.group(1), text)
    text = _EMPHASIS.sub(lambda m: m.group(2), text)
    text = _ESCAPE.sub(lambda m: m.group(1), text)
    return html.unescape(text).replace("\u2060", "").replace("\u00a0", " ")


def split_markdown_blocks(body: str) -> list[tuple[int, str]]:
    """Paragraphs of a Markdown body with the (0-based) body line each starts on.

    Blocks are separated by blank lines and their lines are joined; a list item or heading
    line starts a paragraph of its own.
    """
    out: list[tuple[int, str]] = []
    current: list[str] = []
    start = 0
    for i, raw in enumerate(body.replace("\r\n", "\n").replace("\r", "\n").split("\n")):
        line = raw.strip()
        if not line or _LIST_OR_HEADING.match(raw):
            if current:
                out.append((start, " ".join(current)))
            current = [line] if line else []
            start = i
            continue
        if not current:
            start = i
        current.append(line)
    if current:
        out.append((start, " ".join(current)))
    return out
