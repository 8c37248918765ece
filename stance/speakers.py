"""Speakers in transcripts: who holds the floor in each passage, and in what role.

Briefings, gaggles, calls and remarks print a label before each turn (``MS. JEAN-PIERRE:``,
``Q``, ``SENIOR ADMINISTRATION OFFICIAL:``, ``THE PRESIDENT:``). :func:`parse_label` finds
the label at the start of a paragraph; a paragraph without one continues the previous
speaker. :func:`speaker_role` maps a label to ``official`` (a government official),
``journalist`` (a reporter's question) or ``other`` (audience, foreign leaders, guests),
from rules kept as data in :data:`SPEAKER_RULES`; a corpus may add a ``speakers.csv``
(``label,role``) beside its manifest for names the rules do not know.

Passages of documents that are not transcripts have no speaker and the role ``author``:
the document speaks in its own voice.

Transcript lines that are not speech (time stamps, ``END``, ``(Applause.)``, the room
name) are recognised by :func:`transcript_marker` and kept in the passage table as not
analysable, with a reason.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from stance.errors import StanceInputError

__all__ = [
    "SPEAKER_ROLES",
    "SPEAKER_RULES",
    "TRANSCRIPT_KINDS",
    "load_speaker_table",
    "parse_label",
    "speaker_role",
    "transcript_marker",
]

SPEAKER_ROLES = ("official", "journalist", "other", "author")
TRANSCRIPT_KINDS = {"press briefing", "press gaggle", "background call", "remarks", "interview", "press conference"}

_GOV_TITLES = (
    r"SECRETARY|DEPUTY SECRETARY|DIRECTOR|ADMINISTRATOR|AMBASSADOR|ADMIRAL|GENERAL|CHAIR|CHAIRMAN|CHAIRWOMAN|"
    r"ATTORNEY GENERAL|SURGEON GENERAL|COMMISSIONER|ADVISOR|ADVISER|REPRESENTATIVE|SENATOR|SPEAKER|LEADER"
)
SPEAKER_RULES: tuple[tuple[str, str], ...] = (
    (r"Q|QUESTION|REPORTERS?|JOURNALISTS?|PRESS", "journalist"),
    (
        r"THE (PRESIDENT|VICE PRESIDENT|FIRST LADY|SECOND GENTLEMAN)|PRESIDENT (BIDEN|TRUMP)|"
        r"VICE PRESIDENT (HARRIS|VANCE)|(SENIOR )?ADMINISTRATION OFFICIALS?( \d+)?|SENIOR ADMINISTRIVE OFFICIAL|"
        r"(SENIOR )?(WHITE HOUSE|STATE DEPARTMENT) OFFICIALS?|MODERATOR|AIDE|STAFF",
        "official",
    ),
    (rf"({_GOV_TITLES})( [A-Z][A-Z.'’ -]*)?", "official"),
    (r"(MR|MS|MRS|DR)\.? [A-Z][A-Z.'’ -]*", "official"),
    (
        r"AUDIENCE( MEMBERS?)?|PARTICIPANTS?|OPERATOR|CROWD|PRIME MINISTER [A-Z][A-Z.'’ -]*|"
        r"PRESIDENT [A-Z][A-Z.'’ -]*|MAYOR [A-Z][A-Z.'’ -]*|GOVERNOR [A-Z][A-Z.'’ -]*|KING [A-Z]+|QUEEN [A-Z]+",
        "other",
    ),
)
_LABEL = re.compile(r"^(Q|[A-Z][A-Z.'’ -]{1,48}[A-Z.])(?::\s+|\s{2,}|:$)(?=.|$)")
_Q = re.compile(r"^Q(?:[:.]|\s)\s*")
_MARKERS: tuple[tuple[str, str], ...] = (
    ("timestamp", r"\d{1,2}:\d{2}\s*[AP]\.?\s?M\.?(\s+[A-Z]{2,4})?"),
    ("end_marker", r"(END|###)(\s+\d{1,2}:\d{2}\s*[AP]\.?\s?M\.?(\s+[A-Z]{2,4})?)?"),
    (
        "stage_direction",
        r"\((applause|laughter|cross-talk|crosstalk|inaudible|music|audio|video|break|pause)[^)]*\)[.?!]*",
    ),
    (
        "location_line",
        r"(Via Teleconference|Aboard Air Force One.*|"
        r"[A-Z][\w.'’-]*(\s+(of|the|and|at|[A-Z0-9][\w.'’-]*))*(,\s+[A-Z][\w.'’-]*(\s+[A-Z][\w.'’-]*)*)*(?<![.!?]))",
    ),
)


def parse_label(paragraph: str) -> tuple[str, str]:
    """Split a speaker label off the start of a paragraph.

    Returns
    -------
    label, rest : str, str
        The label as printed without its colon (``"MS. JEAN-PIERRE"``, ``"Q"``), and the text
        after it. ``label`` is ``""`` when the paragraph does not start with one.
    """
    text = paragraph.lstrip()
    q = _Q.match(text)
    if q and (len(text) == 1 or text[1] in ":. \t"):
        return "Q", text[q.end() :].strip()
    m = _LABEL.match(text)
    if not m or ":" not in text[: m.end()]:
        return "", paragraph
    return m.group(1).strip(), text[m.end() :].strip()


def load_speaker_table(folder: Path) -> dict[str, str]:
    """Read ``speakers.csv`` (``label,role``) from a corpus folder; empty when there is none."""
    path = folder / "speakers.csv"
    if not path.is_file():
        return {}
    table: dict[str, str] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        for row in reader:
            role = (row.get("role") or "").strip()
            if role not in SPEAKER_ROLES:
                raise StanceInputError(
                    f"unknown speaker role {role!r}; use one of {', '.join(SPEAKER_ROLES[:3])}",
                    file=path,
                    line=reader.line_num,
                    field="role",
                )
            table[(row.get("label") or "").strip().upper()] = role
    return table


def speaker_role(label: str, table: dict[str, str] | None = None) -> str | None:
    """Role of a speaker label: ``official``, ``journalist`` or ``other``; ``None`` when no rule knows it."""
    key = re.sub(r"\s+", " ", label.strip().rstrip(":")).upper()
    if table and key in table:
        return table[key]
    for pattern, role in SPEAKER_RULES:
        if re.fullmatch(pattern, key):
            return role
    return None


def transcript_marker(paragraph: str, before_first_turn: bool = False) -> str:
    """Reason a transcript paragraph is not speech (``timestamp``, ``end_marker``, ...), or ``""``.

    Location lines (``James S. Brady Press Briefing Room``) are recognised only before the
    first turn, where transcripts print them.
    """
    text = paragraph.strip()
    if len(text) > 80:
        return ""
    for reason, pattern in _MARKERS:
        if reason == "location_line" and not before_first_turn:
            continue
        if re.fullmatch(pattern, text, flags=re.IGNORECASE if reason != "location_line" else 0):
            return reason
    return ""
