"""Data types shared by the knowledge base: what the user sees about collections, files and passages."""
from __future__ import annotations

from assistant.core.errors import HearthError, NotFound
from dataclasses import dataclass, field

# File statuses, in the user's words. Every file ends as INDEXED or with one of the others.
INDEXED = "indexed"
INDEXED_OCR = "indexed (OCR)"  # indexed, but some or all of the text was read from page images
UNCHANGED = "unchanged"
REMOVED = "removed"
NEEDS_PASSWORD = "needs password"
WRONG_PASSWORD = "wrong password"
NEEDS_OCR = "no text (scanned: needs OCR)"
DAMAGED = "damaged"
UNSUPPORTED = "unsupported"
TOO_LARGE = "too large"
TIMED_OUT = "timed out"
EMPTY = "empty"
GARBLED = "garbled text"
CANCELLED = "cancelled"

STATUSES = (INDEXED, INDEXED_OCR, UNCHANGED, REMOVED, NEEDS_PASSWORD, WRONG_PASSWORD, NEEDS_OCR, DAMAGED,
            UNSUPPORTED, TOO_LARGE, TIMED_OUT, EMPTY, GARBLED)
INDEXED_STATUSES = (INDEXED, INDEXED_OCR)  # the file's text is in the index


def is_indexed(status: str) -> bool:
    """Whether a file with this status has its text in the index (read from text or by OCR)."""
    return status in INDEXED_STATUSES


class KnowledgeError(HearthError):
    """A knowledge-base operation the user asked for cannot be done (message says why)."""


class CollectionNotFound(KnowledgeError, NotFound):
    """No collection with that name."""


class EmbedderMismatch(KnowledgeError):
    """The collection was built with another embedder; it must be re-indexed to use this one."""


@dataclass
class Citation:
    """Where a passage came from: file, page (1-based, PDFs only), character span in the page or file."""

    source_path: str
    page: int | None
    start: int
    end: int
    snippet: str
    heading: str = ""
    number: int = 0


@dataclass
class Passage:
    """A retrieved chunk of a document, with its relevance score and citation."""

    text: str
    score: float
    citation: Citation
    chunk_id: str
    relevance: float = 0.0  # cosine similarity to the query (the fused ``score`` orders, this gates)


@dataclass
class CollectionInfo:
    """A named document collection as the user sees it."""

    id: str
    name: str
    embedder: str
    dimension: int
    files: int
    chunks: int
    watched: list[str] = field(default_factory=list)


@dataclass
class SourceFile:
    """One row of a collection's manifest: a source file and what became of it."""

    path: str
    size: int
    mtime: float
    sha256: str
    status: str
    reason: str
    chunks: int
    embedder: str
    indexed_at: float | None


@dataclass
class FileReport:
    """What indexing did with one file."""

    path: str
    status: str
    reason: str
    chunks: int


@dataclass
class IndexProgress:
    """Progress of an indexing run (phases: scanning, parsing, embedding, done)."""

    phase: str
    files_done: int
    files_total: int
    current: str
    chunks_done: int


@dataclass
class Section:
    """A piece of parsed text: one PDF page, or one Markdown section, or a whole text file."""

    text: str
    page: int | None = None
    heading: str = ""
    offset: int = 0  # where the section starts in the file's text (0 for PDF pages: spans are per page)
    confidence: float | None = None  # OCR's mean confidence in the text (0 to 1); None for a text layer


@dataclass
class Chunk:
    """A chunk ready to embed: text plus where it came from."""

    chunk_id: str
    index: int
    text: str
    page: int | None
    start: int
    end: int
    heading: str
    confidence: float | None = None  # OCR's mean confidence in its page's text; None for a text layer


@dataclass
class ParseResult:
    """What a parser made of a file: sections, or a status and reason when there is no usable text.

    Attributes:
        status: ``INDEXED`` when there is text (also when OCR read it), else why there is none.
        reason: the status's reason in words; for indexed files, how the text was read when that
            is worth knowing (another extractor, OCR, pages that could not be read).
        extractor: what read the text: ``"pypdf"``, ``"pdfium"``, ``"ocr"``, ``"pypdf+ocr"``, ...
            ("" for plain text files).
        ocr_pages: pages (or images) whose text came from OCR.
        ocr_confidence: OCR's mean confidence over those pages (0 to 1), None without OCR.
    """

    status: str = INDEXED
    reason: str = ""
    sections: list[Section] = field(default_factory=list)
    password_used: bool = False
    extractor: str = ""
    ocr_pages: int = 0
    ocr_confidence: float | None = None

    @property
    def shown_status(self) -> str:
        """The status a user sees: ``indexed (OCR)`` when some of the text was read from pixels."""
        if self.status == INDEXED and self.ocr_pages:
            return INDEXED_OCR
        return self.status
