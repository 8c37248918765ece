"""Load a corpus, split it into passages and sentences, and mark boilerplate.

A corpus is either a folder of UTF-8 text files with a ``manifest.csv`` (one row per
document), or a single CSV / JSONL / Parquet table with ``doc_id`` and ``text`` columns.
:func:`load_corpus` returns a :class:`Corpus` with three tidy DataFrames: documents,
passages (paragraphs) and sentences.

Cleaning never deletes text: boilerplate passages (cookie banners, language menus,
licence numbers, hotlines, photo captions, bylines, datelines, repeated headlines) stay
in the passage table with ``analysable=False`` and a ``reason``.

Passage ids are ``<doc_id>:p<paragraph index>:<8 hex of the text hash>``, so an edited
paragraph gets a new id, and :func:`diff_passages` tells which ids changed.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import json
import re
import unicodedata
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from stance.errors import StanceInputError
from stance.io import csv_rows, inside_folder, read_table
from stance.markdown import render_inline, split_front_matter, split_markdown_blocks
from stance.paths import ProjectPaths
from stance.speakers import TRANSCRIPT_KINDS, load_speaker_table, parse_label, speaker_role, transcript_marker
from stance.topic import TopicRule, mark_on_topic

__all__ = [
    "BOILERPLATE_RULES",
    "MANIFEST_COLUMNS",
    "BoilerplateRule",
    "Corpus",
    "StanceDataWarning",
    "check_corpora",
    "classify_passage",
    "concat_corpora",
    "diff_passages",
    "load_corpus",
    "load_project_corpus",
    "normalise_text",
    "on_topic_mask",
    "read_text_file",
    "scored_passages",
    "split_paragraphs",
    "split_sentences",
    "text_hash",
]

MANIFEST_COLUMNS = [
    "id",
    "file",
    "outlet",
    "published",
    "date_evidence",
    "title",
    "author",
    "url",
    "language",
    "country",
    "kind",
    "sha256",
]
OPTIONAL_MANIFEST_COLUMNS = ["side", "administration", "section"]
_REQUIRED_MANIFEST = ["id", "file", "published"]
DOCUMENT_COLUMNS = ["doc_id", *MANIFEST_COLUMNS[1:], "side", "administration", "transcript", "corpus"]
TEXT_SUFFIXES = {".txt", ".md"}


#: A passage longer than this many words gets a warning (a missing paragraph break, or the wrong file).
MAX_PASSAGE_WORDS = 5_000


class StanceDataWarning(UserWarning):
    """A problem in the input that does not stop loading (e.g. a changed file hash)."""


# --------------------------------------------------------------------------- text
def normalise_text(text: str) -> str:
    """NFKC-normalise, collapse white space and strip: the form that ids and hashes use."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


def text_hash(text: str) -> str:
    """16 hex characters of the sha256 of the normalised text."""
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()[:16]


def read_text_file(path: str | Path) -> str:
    """Read a UTF-8 text file (a BOM is accepted and dropped).

    Raises
    ------
    StanceInputError
        If the file is missing, empty, or not UTF-8 (naming the line of the first bad byte).
    """
    path = Path(path)
    if not path.is_file():
        raise StanceInputError("file not found", file=path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise StanceInputError(
            f"not valid UTF-8 (byte {exc.start}: {raw[exc.start : exc.start + 1]!r}); re-save the file as UTF-8",
            file=path,
            line=line,
        ) from exc
    if not text.strip():
        raise StanceInputError("file is empty", file=path, line=1)
    if "\x00" in text:
        at = text.index("\x00")
        raise StanceInputError(
            f"contains {text.count(chr(0)):,} NUL byte(s) (the first on this line, column "
            f"{at - text.rfind(chr(10), 0, at)}); a text file has none: is it UTF-16 or binary? "
            "Re-save it as UTF-8 text",
            file=path,
            line=text.count("\n", 0, at) + 1,
        )
    return text


# --------------------------------------------------------------------- segmentation
def _looks_hard_wrapped(lines: list[str]) -> bool:
    """True when a block's lines are a wrapped paragraph rather than one paragraph per line."""
    if len(lines) < 3:
        return False
    body = lines[:-1]
    open_ended = sum(not re.search(r"[.!?:;\"”’)\]]\s*$", ln) for ln in body)
    widths = [len(ln) for ln in body]
    return open_ended >= 0.8 * len(body) and max(widths) <= 100 and min(widths) >= 40


def split_paragraphs(text: str) -> list[str]:
    """Split a document into paragraphs.

    Blocks are separated by blank lines. Within a block each line is a paragraph (the
    usual shape of text copied from news pages), unless the block looks hard-wrapped, in
    which case its lines are joined.
    """
    paragraphs: list[str] = []
    for block in re.split(r"\n[ \t\r\f\v]*\n", text.replace("\r\n", "\n").replace("\r", "\n")):
        lines = [ln.strip() for ln in block.split("\n") if ln.strip()]
        if not lines:
            continue
        if _looks_hard_wrapped(lines):
            paragraphs.append(" ".join(lines))
        else:
            paragraphs.extend(lines)
    return paragraphs


_ABBREVIATIONS = {
    "u.s",
    "u.k",
    "u.n",
    "e.u",
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "st",
    "vs",
    "etc",
    "e.g",
    "i.e",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "gov",
    "sen",
    "rep",
    "gen",
    "col",
    "lt",
    "inc",
    "corp",
    "co",
    "ltd",
    "jr",
    "sr",
    "a.m",
    "p.m",
    "approx",
    "dept",
}
# abbreviations that end a sentence unless a number follows ("No. 5", "Fig. 2")
_NUMBER_ABBREVIATIONS = {"no", "nos", "fig", "vol", "p", "pp", "art"}
_SENT_END = re.compile(r"(?<=[.!?])([\"”’')\]]*)\s+(?=[\"“‘'(\[]?[A-Z0-9])")


def split_sentences(paragraph: str) -> list[str]:
    """Split a paragraph into sentences with a rule-based splitter that knows common abbreviations."""
    text = paragraph.strip()
    if not text:
        return []
    out: list[str] = []
    start = 0
    for match in _SENT_END.finditer(text):
        end = match.start()
        head = text[start:end]
        last = re.search(r"([A-Za-z.]+)\.$", head)
        if last and not match.group(1):
            word = last.group(1).lower()
            before_number = text[match.end() : match.end() + 1].isdigit()
            if word in _ABBREVIATIONS or len(word) == 1 or (word in _NUMBER_ABBREVIATIONS and before_number):
                continue
        piece = (head + match.group(1)).strip()
        if piece:
            out.append(piece)
        start = match.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


# ------------------------------------------------------------------------ cleaning
@dataclass(frozen=True)
class BoilerplateRule:
    """A rule that marks a passage as not analysable.

    Parameters
    ----------
    reason : str
        Short name stored in the passage table's ``reason`` column.
    pattern : str
        Regular expression searched (case-insensitive) in the passage.
    max_words : int
        The rule applies only to passages of at most this many words, so that a content
        paragraph that happens to contain the pattern is kept.
    """

    reason: str
    pattern: str
    max_words: int = 60


BOILERPLATE_RULES: tuple[BoilerplateRule, ...] = (
    BoilerplateRule(
        "cookie_banner", r"^(?=.*\bcookies?\b)(?=.*\b(agree|accept|consent|settings|privacy|brows\w*)\b)", 80
    ),
    BoilerplateRule(
        "language_menu", r"^(choose|select|change) (your )?language$|^app\s*\|.*\|$|^(english|中文)(\s*\|\s*\S+)+$", 8
    ),
    BoilerplateRule("licence_number", r"许可证|\blicen[cs]e (no\.?|number)\b|\bICP\b.*\d{6,}", 15),
    BoilerplateRule("hotline", r"\bhotline\b\s*:?\s*[\d+() -]{6,}", 15),
    BoilerplateRule(
        "photo_caption", r"\[photo[^\]]*\]|/\s*(CFP|VCG|IC|AFP|Reuters|AP|Xinhua|CGTN)\s*$|^(photo|file photo)\s*:", 70
    ),
    BoilerplateRule("author_note", r"^\(.*\bis (a|the) pen ?name\b.*\)$|^\(the (author|writer) is\b.*\)$", 60),
    BoilerplateRule("byline", r"^by\s+[A-Z][\w.'-]*(\s+[A-Z][\w.'-]*){0,3}\s*(,\s*[\w.' ]+)?$", 10),
    BoilerplateRule(
        "dateline",
        r"^(updated|published|posted|date)\s*:?\s*(\d{4}-\d{2}-\d{2}|[A-Z][a-z]{2,8}\.? \d{1,2},? ?\d{4})|"
        r"^\w+\)\s*\d{1,2}:\d{2},\s*[A-Z][a-z]+ \d{1,2}, \d{4}$",
        25,
    ),
)


def _match_rules(text: str, rules: Sequence[BoilerplateRule]) -> str:
    n_words = len(re.findall(r"\w+", text))
    for rule in rules:
        if n_words <= rule.max_words and re.search(rule.pattern, text, flags=re.IGNORECASE):
            return rule.reason
    return ""


def _is_headline(text: str, title: str) -> bool:
    if not title:
        return False
    a, b = normalise_text(text).lower(), normalise_text(title).lower()
    if len(a) > len(b) + 40:
        return False
    if b in a:
        return True
    return difflib.SequenceMatcher(None, a, b).ratio() >= 0.8


def _is_author_line(text: str, author: str) -> bool:
    if not author:
        return False
    name = re.sub(r"\s*\(.*\)$", "", author).strip().lower()
    return normalise_text(text).lower() in {name, f"by {name}"}


def on_topic_mask(passages: pd.DataFrame) -> pd.Series:
    """True for the passages on topic; a passage without an ``on_topic`` mark counts as on topic."""
    if "on_topic" not in passages.columns:
        return pd.Series(True, index=passages.index)
    return passages["on_topic"].fillna(True).astype(bool)


def scored_passages(passages: pd.DataFrame) -> pd.DataFrame:
    """The passages that get scores: analysable and on topic (see :func:`on_topic_mask`), renumbered.

    This is what ``stance score``, the analysis tables and the figures encode; off-topic and
    boilerplate passages need no model.
    """
    keep = on_topic_mask(passages)
    if "analysable" in passages.columns:
        keep &= passages["analysable"].astype(bool)
    return passages[keep].reset_index(drop=True)


def classify_passage(
    text: str, title: str = "", author: str = "", rules: Sequence[BoilerplateRule] = BOILERPLATE_RULES
) -> str:
    """Return the boilerplate reason for a passage, or ``""`` when it is analysable."""
    reason = _match_rules(text, rules)
    if reason:
        return reason
    if _is_author_line(text, author):
        return "byline"
    if _is_headline(text, title):
        return "headline"
    words = re.findall(r"\w+", text)
    if len(words) <= 3 and not re.search(r"[.!?]$", text.strip()):
        return "fragment"
    return ""


# -------------------------------------------------------------------------- corpus
@dataclass
class Corpus:
    """Documents, passages and sentences of a corpus, as tidy DataFrames.

    Attributes
    ----------
    documents : DataFrame
        One row per document: ``doc_id``, ``file``, ``outlet``, ``published`` (datetime),
        ``date_evidence``, ``title``, ``author``, ``url``, ``language``, ``country``,
        ``kind``, ``sha256``.
    passages : DataFrame
        One row per paragraph: ``passage_id``, ``doc_id``, ``para_index``, ``text``,
        ``text_hash``, ``analysable``, ``reason``, ``n_words``, ``n_sentences``.
    sentences : DataFrame
        ``passage_id``, ``sent_index``, ``text``.
    source : Path or None
        Folder or table the corpus was read from.
    """

    documents: pd.DataFrame
    passages: pd.DataFrame
    sentences: pd.DataFrame
    source: Path | None = None
    warnings: list[str] = field(default_factory=list)

    def analysable(self) -> pd.DataFrame:
        """Passages kept for analysis (boilerplate removed)."""
        return self.passages[self.passages["analysable"]].reset_index(drop=True)

    def scored(self) -> pd.DataFrame:
        """Passages that get scores: analysable and on topic (:func:`scored_passages`)."""
        return scored_passages(self.passages)

    def passage(self, passage_id: str) -> pd.Series:
        """One passage by id."""
        rows = self.passages[self.passages["passage_id"] == passage_id]
        if rows.empty:
            raise KeyError(f"no passage {passage_id!r} in this corpus")
        return rows.iloc[0]

    def summary(self) -> pd.DataFrame:
        """One row per document: date, outlet, passages (all / analysable) and words."""
        p = self.passages
        agg = p.groupby("doc_id", sort=False).agg(
            passages=("passage_id", "size"),
            analysable=("analysable", "sum"),
            sentences=("n_sentences", "sum"),
            words=("n_words", "sum"),
        )
        docs = self.documents.set_index("doc_id")[["published", "outlet", "title"]]
        out = docs.join(agg).reset_index()
        out["analysable_words"] = [int(p[(p["doc_id"] == d) & p["analysable"]]["n_words"].sum()) for d in out["doc_id"]]
        return out

    def group_summary(self, by: Sequence[str] = ("corpus", "side", "kind")) -> pd.DataFrame:
        """Counts per group of documents: documents, passages, analysable, on topic, by speaker role."""
        p = self.passages.merge(self.documents[["doc_id", *by]], on="doc_id")
        on_topic = p["on_topic"] if "on_topic" in p else p["analysable"]
        p = p.assign(
            on_topic=on_topic & p["analysable"],
            official=p["analysable"] & (p["speaker_role"] == "official"),
            journalist=p["analysable"] & (p["speaker_role"] == "journalist"),
        )
        out = p.groupby(list(by), sort=True).agg(
            documents=("doc_id", "nunique"),
            passages=("passage_id", "size"),
            analysable=("analysable", "sum"),
            on_topic=("on_topic", "sum"),
            official=("official", "sum"),
            journalist=("journalist", "sum"),
            words=("n_words", "sum"),
        )
        return out.reset_index()

    def __repr__(self) -> str:
        return (
            f"Corpus({len(self.documents)} documents, {len(self.passages)} passages, "
            f"{int(self.passages['analysable'].sum())} analysable)"
        )


PASSAGE_COLUMNS = [
    "passage_id",
    "doc_id",
    "para_index",
    "line",
    "text",
    "text_hash",
    "analysable",
    "reason",
    "speaker",
    "speaker_role",
    "n_words",
    "n_sentences",
]


@dataclass
class _Turns:
    """Who holds the floor while a transcript is read paragraph by paragraph."""

    file: str
    table: dict[str, str]
    speaker: str = ""
    role: str = "author"
    started: bool = False
    notes: list[str] = field(default_factory=list)

    def take(self, para: str, line: int) -> str:
        """Note a speaker label at the start of ``para`` and return the text after it."""
        label, rest = parse_label(para)
        if label:
            role = speaker_role(label, self.table)
            if role is None:
                self.notes.append(
                    f"{self.file}, line {line}, field speaker: unknown speaker label {label!r}; coded as 'other' "
                    "(add it to speakers.csv beside the manifest with its role)"
                )
                role = "other"
            self.speaker, self.role, self.started = label, role, True
            return rest
        return para


def _paragraphs(doc: object, text: str) -> list[tuple[int, str]]:
    """Paragraphs of one document with the 1-based file line they start on (0 when unknown)."""
    if str(doc.file).lower().endswith(".md"):
        _, body, offset = split_front_matter(text, file=doc.file)
        return [(offset + i + 1, render_inline(p)) for i, p in split_markdown_blocks(body)]
    return [(0, p) for p in split_paragraphs(text)]


def _passage_row(doc: object, i: int, line: int, para: str, reason: str, turns: _Turns) -> dict:
    h = text_hash(para)
    return dict(
        passage_id=f"{doc.doc_id}:p{i:03d}:{h[:8]}",
        doc_id=doc.doc_id,
        para_index=i,
        line=line,
        text=para,
        text_hash=h,
        analysable=not reason,
        reason=reason,
        speaker=turns.speaker,
        speaker_role=turns.role,
        n_words=len(re.findall(r"\w+", para)),
    )


def _segment_document(doc: object, text: str, rules: Sequence[BoilerplateRule], table: dict[str, str]):
    turns = _Turns(file=str(doc.file), table=table)
    rows = []
    for i, (line, para) in enumerate(_paragraphs(doc, text)):
        reason = ""
        if doc.transcript:
            reason = transcript_marker(para, before_first_turn=not turns.started)
            if not reason:
                para = turns.take(para, line) or para
        reason = reason or classify_passage(para, title=doc.title or "", author=doc.author or "", rules=rules)
        rows.append(_passage_row(doc, i, line, para, reason, turns))
    return rows, turns.notes


def _segment(
    documents: pd.DataFrame,
    texts: dict[str, str],
    rules: Sequence[BoilerplateRule],
    speaker_tables: dict[str, dict[str, str]] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    prow, srow, notes = [], [], []
    for doc in documents.itertuples(index=False):
        rows, doc_notes = _segment_document(doc, texts[doc.doc_id], rules, (speaker_tables or {}).get(doc.doc_id, {}))
        notes += doc_notes
        for row in rows:
            if row["n_words"] > MAX_PASSAGE_WORDS:
                notes.append(
                    f"{doc.file or doc.doc_id}, paragraph {row['para_index'] + 1}: passage {row['passage_id']} has "
                    f"{row['n_words']:,} words (more than {MAX_PASSAGE_WORDS:,}); a passage is one paragraph: "
                    "separate the paragraphs with blank lines, or check that this is the right file"
                )
            sents = split_sentences(row["text"])
            row["n_sentences"] = len(sents)
            srow += [dict(passage_id=row["passage_id"], sent_index=j, text=t) for j, t in enumerate(sents)]
        prow += rows
    passages = pd.DataFrame(prow, columns=PASSAGE_COLUMNS)
    passages = passages.astype(
        {"para_index": "int64", "line": "int64", "analysable": "bool", "n_words": "int64", "n_sentences": "int64"}
    )
    sentences = pd.DataFrame(srow, columns=["passage_id", "sent_index", "text"])
    return passages, sentences, notes


_SEGMENT_MODULES = ("corpus.py", "markdown.py", "speakers.py")


def _segment_key(docs: pd.DataFrame, rules: Sequence[BoilerplateRule], table: dict[str, str]) -> str:
    """Cache key of a segmentation: file hashes, the metadata segmentation reads, rules and code."""
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for name in _SEGMENT_MODULES:
        digest.update(hashlib.sha256((here / name).read_bytes()).digest())
    cols = ["doc_id", "file", "sha256", "title", "author", "transcript"]
    digest.update(docs[cols].astype(str).to_csv(index=False).encode("utf-8"))
    digest.update(repr(list(rules)).encode("utf-8"))
    digest.update(json.dumps(table, sort_keys=True).encode("utf-8"))
    return digest.hexdigest()[:24]


def _segment_cached(
    docs: pd.DataFrame, texts: dict[str, str], rules: Sequence[BoilerplateRule], table: dict[str, str]
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """:func:`_segment`, reusing an earlier result for the same files, metadata, rules and code.

    The cache (Parquet and JSON under ``<cache_dir>/segments/``) is keyed by the sha256 of every
    file; any edit to a document, its metadata, the rules or the segmenting code segments afresh.
    """
    from stance.config import settings
    from stance.io import atomic_write

    folder = settings().cache_dir / "segments"
    key = _segment_key(docs, rules, table)
    files = [folder / f"{key}.{part}" for part in ("passages.parquet", "sentences.parquet", "notes.json")]
    if all(f.is_file() for f in files):
        try:
            notes = json.loads(files[2].read_text(encoding="utf-8"))
            return pd.read_parquet(files[0]), pd.read_parquet(files[1]), list(notes)
        except (OSError, ValueError):
            pass  # a damaged cache entry is recomputed below
    passages, sentences, notes = _segment(docs, texts, rules, {d: table for d in docs["doc_id"]})
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for frame, target in ((passages, files[0]), (sentences, files[1])):
            buf = io.BytesIO()
            frame.to_parquet(buf, index=False)
            atomic_write(target, buf.getvalue())
        atomic_write(files[2], json.dumps(notes))
    except OSError:
        pass  # an unwritable cache only costs time
    return passages, sentences, notes


def _parse_date(value: str, file: Path, line: int) -> pd.Timestamp:
    value = (value or "").strip()
    if not value:
        return pd.NaT
    if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value):
        raise StanceInputError(
            f"cannot parse date {value!r}; use ISO format YYYY-MM-DD (or YYYY-MM, YYYY)",
            file=file,
            line=line,
            field="published",
        )
    try:
        return pd.Timestamp(value)
    except ValueError as exc:
        raise StanceInputError(f"not a valid date: {value!r}", file=file, line=line, field="published") from exc


def _unlisted_files(folder: Path) -> list[str]:
    """Text files below a corpus folder (relative paths), leaving out nested corpora and READMEs."""
    nested = {p.parent for p in folder.rglob("manifest.csv") if p.parent != folder}
    out = []
    for p in sorted(folder.rglob("*")):
        if p.suffix.lower() not in TEXT_SUFFIXES or not p.is_file() or p.name.lower() == "readme.md":
            continue
        if any(n == p.parent or n in p.parents for n in nested):
            continue
        out.append(p.relative_to(folder).as_posix())
    return out


def _check_front_matter(
    fpath: Path, text: str, published: pd.Timestamp, manifest: Path, line: int, notes: list[str]
) -> pd.Timestamp:
    """Check a Markdown file's front matter against its manifest row; return the date to use."""
    if fpath.suffix.lower() != ".md":
        return published
    meta, _, _ = split_front_matter(text, file=fpath)
    raw = meta.get("date")
    if raw in (None, ""):
        return published
    try:
        front = pd.Timestamp(str(raw)[:10])
    except ValueError as exc:
        raise StanceInputError(f"front matter date {raw!r} is not a date", file=fpath, line=2, field="date") from exc
    if pd.isna(published):
        notes.append(f"{manifest}, line {line}, field published: empty; using the front matter date {front.date()}")
        return front
    if front.normalize() != published.normalize():
        notes.append(
            f"{manifest}, line {line}, field published: {published.date()} disagrees with the front matter date "
            f"{front.date()} of {fpath.name}; the manifest's date is used"
        )
    return published


def _row_keys(
    row: dict, path: Path, line: int, seen_ids: dict[str, int], seen_files: dict[str, int]
) -> tuple[str, str]:
    """Check a manifest row's ``id`` and ``file``; return them."""
    doc_id = (row.get("id") or "").strip()
    fname = (row.get("file") or "").strip()
    if not doc_id:
        raise StanceInputError("empty id", file=path, line=line, field="id")
    if not re.fullmatch(r"[\w.-]+", doc_id):
        raise StanceInputError(
            f"id {doc_id!r} may use only letters, digits, '.', '_' and '-'", file=path, line=line, field="id"
        )
    if doc_id in seen_ids:
        raise StanceInputError(
            f"duplicate id {doc_id!r} (first on line {seen_ids[doc_id]})", file=path, line=line, field="id"
        )
    if not fname:
        raise StanceInputError("empty file name", file=path, line=line, field="file")
    if fname in seen_files:
        raise StanceInputError(
            f"file {fname!r} is listed twice (first on line {seen_files[fname]})",
            file=path,
            line=line,
            field="file",
        )
    return doc_id, fname


def _read_manifest(folder: Path, manifest: str) -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    path = folder / manifest
    if not path.is_file():
        raise StanceInputError(
            f"no {manifest} in {folder}; a corpus folder needs a manifest with columns {', '.join(MANIFEST_COLUMNS)}",
            file=path,
        )
    text = read_text_file(path)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    for col in _REQUIRED_MANIFEST:
        if col not in header:
            raise StanceInputError(
                f"manifest has no {col!r} column (columns: {', '.join(header)})", file=path, line=1, field=col
            )
    rows, texts, notes = [], {}, []
    seen_ids: dict[str, int] = {}
    seen_files: dict[str, int] = {}
    for row in csv_rows(reader, path):
        line = reader.line_num
        if None in row:
            raise StanceInputError("row has more fields than the header", file=path, line=line)
        doc_id, fname = _row_keys(row, path, line, seen_ids, seen_files)
        seen_ids[doc_id], seen_files[fname] = line, line
        fpath = inside_folder(folder, fname, file=path, line=line)
        if not fpath.is_file():
            raise StanceInputError(
                f"manifest row names {fname!r}, but there is no such file in {folder}",
                file=path,
                line=line,
                field="file",
            )
        published = _parse_date(row.get("published", ""), path, line)
        texts[doc_id] = read_text_file(fpath)
        published = _check_front_matter(fpath, texts[doc_id], published, path, line, notes)
        if pd.isna(published):
            notes.append(f"{path}, line {line}, field published: no date; this document is left out of time figures")
        digest = hashlib.sha256(fpath.read_bytes()).hexdigest()
        given = (row.get("sha256") or "").strip().lower()
        if given and given != digest:
            notes.append(
                f"{path}, line {line}, field sha256: {fname} has changed since the manifest was written "
                f"(manifest {given[:12]}…, file {digest[:12]}…); passage ids of edited paragraphs change"
            )
        rec = {c: (row.get(c) or "").strip() for c in MANIFEST_COLUMNS + OPTIONAL_MANIFEST_COLUMNS}
        rec["doc_id"] = rec.pop("id")
        rec["published"] = published
        rec["sha256"] = digest
        rows.append(rec)
    if not rows:
        raise StanceInputError("manifest lists no documents", file=path, line=2)
    listed = set(seen_files)
    for extra in _unlisted_files(folder):
        if extra not in listed:
            raise StanceInputError(
                f"{extra} is in the corpus folder but not in the manifest; add a row for it (id,file,published,...) "
                "or move it out",
                file=path,
                field="file",
            )
    docs = pd.DataFrame(rows)
    return docs, texts, notes


_TABLE_ALIASES = {"id": "doc_id", "date": "published"}


def _table_cell(value: object) -> str:
    """A cell of a table corpus's own column as text (``""`` when missing)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value).strip()


def _read_table(path: Path) -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    records = read_table(path)
    if not records:
        raise StanceInputError("table has no rows", file=path, line=1)
    rows, texts = [], {}
    seen: dict[str, int] = {}
    for line, rec in records:
        rec = {_TABLE_ALIASES.get(k, k): v for k, v in rec.items() if k is not None}
        for col in ("doc_id", "text"):
            if col not in rec:
                raise StanceInputError(f"missing column {col!r}", file=path, line=line, field=col)
        doc_id = str(rec["doc_id"]).strip()
        text = rec["text"]
        if not doc_id:
            raise StanceInputError("empty doc_id", file=path, line=line, field="doc_id")
        if doc_id in seen:
            raise StanceInputError(
                f"duplicate doc_id {doc_id!r} (first on line {seen[doc_id]})", file=path, line=line, field="doc_id"
            )
        if not isinstance(text, str) or not text.strip():
            raise StanceInputError("empty text", file=path, line=line, field="text")
        seen[doc_id] = line
        texts[doc_id] = text
        published = rec.get("published")
        published = (
            _parse_date(str(published)[:10], path, line)
            if published not in (None, "") and not (isinstance(published, float) and pd.isna(published))
            else pd.NaT
        )
        row = {c: str(rec.get(c) or "") for c in DOCUMENT_COLUMNS}
        row.update({k: _table_cell(v) for k, v in rec.items() if k not in row and k != "text"})
        row.update(
            doc_id=doc_id, file=path.name, published=published, sha256=hashlib.sha256(text.encode("utf-8")).hexdigest()
        )
        rows.append(row)
    return pd.DataFrame(rows), texts, []


def load_corpus(
    path: str | Path | None = None,
    manifest: str = "manifest.csv",
    rules: Sequence[BoilerplateRule] = BOILERPLATE_RULES,
    topic: TopicRule | None = None,
) -> Corpus:
    """Load a corpus from a folder with a manifest, or from a CSV / JSONL / Parquet table.

    Parameters
    ----------
    path : str or Path, optional
        Corpus folder or table; defaults to ``<project>/seeds``.
    manifest : str
        Manifest file name inside a corpus folder.
    rules : sequence of BoilerplateRule
        Boilerplate rules; pass your own to extend or replace the defaults.
    topic : TopicRule, optional
        Marks passages ``on_topic`` (see :mod:`stance.topic`); without it every analysable
        passage is on topic.

    Returns
    -------
    Corpus

    Raises
    ------
    StanceInputError
        For empty or non-UTF-8 files, missing or malformed metadata, unparseable dates,
        duplicate ids, files missing from the manifest and manifest rows without files.
    """
    if path is None:
        path = ProjectPaths.discover().seeds
    path = Path(path)
    if path.is_dir():
        docs, texts, notes = _read_manifest(path, manifest)
    elif path.is_file():
        docs, texts, notes = _read_table(path)
    else:
        raise StanceInputError("no such corpus folder or table", file=path)
    docs = _complete_documents(docs, path)
    table = load_speaker_table(path) if path.is_dir() else {}
    passages, sentences, seg_notes = _segment_cached(docs, texts, rules, table)
    notes += seg_notes
    passages = mark_on_topic(passages, docs, topic)
    if topic is not None:
        notes += _off_topic_notes(passages, docs)
    for note in notes:
        warnings.warn(note, StanceDataWarning, stacklevel=2)
    return Corpus(documents=docs, passages=passages, sentences=sentences, source=path, warnings=notes)


def _complete_documents(docs: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Fill the grouping columns (side, administration, transcript, corpus) and sort by date.

    A table corpus keeps its own columns after :data:`DOCUMENT_COLUMNS` (folds can group by them).
    """
    docs = docs.copy()
    for col in ("side", "administration"):
        docs[col] = docs[col].fillna("").astype(str) if col in docs else ""
    docs["side"] = [s or c for s, c in zip(docs["side"], docs["country"].fillna(""), strict=True)]
    docs["transcript"] = docs["kind"].fillna("").str.lower().isin(TRANSCRIPT_KINDS)
    docs["corpus"] = path.name
    own = [c for c in docs.columns if c not in DOCUMENT_COLUMNS] if path.is_file() else []
    docs = docs[DOCUMENT_COLUMNS + own]
    docs["published"] = pd.to_datetime(docs["published"])
    return docs.sort_values(["published", "doc_id"], na_position="last", kind="stable").reset_index(drop=True)


def _off_topic_notes(passages: pd.DataFrame, docs: pd.DataFrame) -> list[str]:
    topical = set(passages.loc[passages["on_topic"], "doc_id"])
    return [
        f"{d.file}: no passage is on topic; the document stays in the corpus but leaves the analysis"
        for d in docs.itertuples(index=False)
        if d.doc_id not in topical
    ]


def check_corpora(corpora: Sequence[Path]) -> None:
    """Raise a :class:`StanceInputError` that says how to fill a project corpus that does not exist yet."""
    for folder in corpora:
        if not Path(folder).exists():
            raise StanceInputError(
                "the project corpus does not exist yet: import a labelled table with `stance label import FILE "
                "--text-column COLUMN ...` (it writes the passages there), or list your corpus folders and tables "
                "under corpora in stance.toml",
                file=folder,
            )


def load_project_corpus(paths: ProjectPaths | None = None, codebook: object = None) -> Corpus:
    """Load every corpus of a project as one corpus, with the codebook's topic rule applied.

    Parameters
    ----------
    paths : ProjectPaths, optional
        The project; default :meth:`ProjectPaths.discover`.
    codebook : Codebook, optional
        Supplies the topic rule; default: the project's codebook.

    Returns
    -------
    Corpus
        Documents of all corpora (the ``corpus`` column names the folder each came from).

    Raises
    ------
    StanceInputError
        For any bad input of any corpus, or a document id used in two corpora.
    """
    paths = paths or ProjectPaths.discover()
    if codebook is None:
        from stance.codebook import Codebook

        codebook = Codebook.load(paths.codebook)
    topic = TopicRule.from_codebook(codebook)
    check_corpora(paths.corpora)
    parts = [load_corpus(folder, topic=topic) for folder in paths.corpora]
    if not parts:
        raise StanceInputError("the project has no corpus: add a folder with a manifest.csv", file=paths.seeds)
    return concat_corpora(parts, source=paths.root)


def concat_corpora(parts: Sequence[Corpus], source: Path | None = None) -> Corpus:
    """One corpus from several; document ids must be unique across them."""
    documents = pd.concat([p.documents for p in parts], ignore_index=True)
    dup = documents["doc_id"][documents["doc_id"].duplicated()]
    if not dup.empty:
        raise StanceInputError(f"document id {dup.iloc[0]!r} is used by two corpora", field="id")
    documents = documents.sort_values(["published", "doc_id"], na_position="last", kind="stable")
    return Corpus(
        documents=documents.reset_index(drop=True),
        passages=pd.concat([p.passages for p in parts], ignore_index=True),
        sentences=pd.concat([p.sentences for p in parts], ignore_index=True),
        source=source,
        warnings=[w for p in parts for w in p.warnings],
    )


def diff_passages(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """Compare two passage tables and say what happened to each passage id.

    Returns
    -------
    DataFrame
        ``passage_id``, ``doc_id``, ``status`` (``unchanged``, ``edited``, ``moved``,
        ``added``, ``removed``) and ``new_passage_id`` (for edited and moved passages).
    """
    rows = []
    new_ids = set(new["passage_id"])
    old_ids = set(old["passage_id"])
    new_by_hash = {(r.doc_id, r.text_hash): r.passage_id for r in new.itertuples()}
    new_by_pos = {(r.doc_id, r.para_index): r.passage_id for r in new.itertuples()}
    matched_new: set[str] = set()
    for r in old.itertuples():
        if r.passage_id in new_ids:
            rows.append((r.passage_id, r.doc_id, "unchanged", r.passage_id))
            matched_new.add(r.passage_id)
        elif (r.doc_id, r.text_hash) in new_by_hash:
            target = new_by_hash[(r.doc_id, r.text_hash)]
            rows.append((r.passage_id, r.doc_id, "moved", target))
            matched_new.add(target)
        elif (r.doc_id, r.para_index) in new_by_pos and new_by_pos[(r.doc_id, r.para_index)] not in old_ids:
            target = new_by_pos[(r.doc_id, r.para_index)]
            rows.append((r.passage_id, r.doc_id, "edited", target))
            matched_new.add(target)
        else:
            rows.append((r.passage_id, r.doc_id, "removed", ""))
    for r in new.itertuples():
        if r.passage_id not in matched_new and r.passage_id not in old_ids:
            rows.append((r.passage_id, r.doc_id, "added", r.passage_id))
    return pd.DataFrame(rows, columns=["passage_id", "doc_id", "status", "new_passage_id"])
