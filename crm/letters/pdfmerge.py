"""Merge PDFs into one file page by page, with memory bounded by the largest source.

It exists because pypdf's PdfWriter and pikepdf both hold the whole output until it is
written: a 5,000-letter batch merged that way took about 1.9 GB in one worker. Here each
source is opened with pypdf, each page and every object it references (resources, fonts,
content streams, images, annotations) is written to the output as soon as it is reached,
renumbered into the output's numbering, and the source is dropped before the next one.
Streams are copied encoded, as they are. What is kept between sources is one byte offset
per object and one number per page. A source's outlines, structure tree, AcroForm and
named destinations are not copied: the merged file is for printing.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    EncodedStreamObject,
    IndirectObject,
    NameObject,
    NullObject,
    NumberObject,
    PdfObject,
    StreamObject,
)

Source = str | Path | BinaryIO

PAGES = 1  # the output's one Pages node, written last (its Kids are known only then)
CATALOG = 2
HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"  # the binary comment line marks the file as binary
DROPPED_PAGE_KEYS = ("/Parent", "/StructParents", "/B")  # set anew, or point into skipped trees


def merge_pdfs(sources: Iterable[Source], out: BinaryIO) -> int:
    """Write the pages of these PDFs, in order, to `out` as one PDF; returns the page count."""
    merger = StreamingMerger(out)
    for source in sources:
        merger.add(source)
    merger.finish()
    return len(merger.kids)


class StreamingMerger:
    """One output PDF: add() the sources in order, then finish() once."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._position = 0
        self._digest = hashlib.md5(usedforsecurity=False)  # the trailer's /ID, not a checksum
        self.offsets: list[int] = [0, 0, 0]  # by object number; 0 is the free list's head
        self.kids: list[int] = []
        self._version = "1.7"
        self.write(HEADER)

    def write(self, data: bytes) -> None:
        """Write to the output, counting the offset and hashing the bytes as they go."""
        self._out.write(data)
        self._position += len(data)
        self._digest.update(data)

    def add(self, source: Source) -> int:
        """Copy every page of one PDF; returns how many it had."""
        reader = PdfReader(source)
        if reader.is_encrypted:
            raise ValueError("an encrypted PDF cannot be merged")
        copy = _SourceCopy(self, reader)
        for number, page in copy.pages:
            copy.write_page(number, page)
        self.kids += [number for number, _page in copy.pages]
        self._version = max(self._version, reader.pdf_header.removeprefix("%PDF-")[:3])
        return len(copy.pages)

    def allocate(self) -> int:
        self.offsets.append(0)
        return len(self.offsets) - 1

    def write_object(self, number: int, obj: PdfObject) -> None:
        # Serialised whole first: pypdf writes a token at a time (one write per object is
        # a few per cent faster than counting and hashing every token).
        buf = io.BytesIO()
        buf.write(b"%d 0 obj\n" % number)
        obj.write_to_stream(buf)
        buf.write(b"\nendobj\n")
        self.offsets[number] = self._position
        self.write(buf.getvalue())

    def finish(self) -> None:
        """The Pages node, the Catalog, a classic xref table and the trailer."""
        pages = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Pages"),
                NameObject("/Kids"): ArrayObject(_ref(n) for n in self.kids),
                NameObject("/Count"): NumberObject(len(self.kids)),
            }
        )
        self.write_object(PAGES, pages)
        catalog = DictionaryObject(
            {NameObject("/Type"): NameObject("/Catalog"), NameObject("/Pages"): _ref(PAGES)}
        )
        if self._version > "1.7":  # a later version in the Catalog overrides the header's
            catalog[NameObject("/Version")] = NameObject(f"/{self._version}")
        self.write_object(CATALOG, catalog)
        file_id = self._digest.hexdigest()
        xref_at = self._position
        self.write(b"xref\n0 %d\n0000000000 65535 f \n" % len(self.offsets))
        for offset in self.offsets[1:]:
            self.write(b"%010d 00000 n \n" % offset)
        self.write(
            b"trailer\n<< /Size %d /Root %d 0 R /ID [<%s> <%s>] >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(self.offsets), CATALOG, file_id.encode(), file_id.encode(), xref_at)
        )


class _SourceCopy:
    """The copy of one source: its object numbers mapped into the output's numbering."""

    def __init__(self, merger: StreamingMerger, reader: PdfReader) -> None:
        self.merger = merger
        self.numbers: dict[tuple[int, int], int | None] = {}
        self.pending: list[tuple[int, PdfObject]] = []
        # Pages get their numbers first, so a link to a page of this source finds its copy.
        self.pages = []
        for page in reader.pages:  # pypdf has put inherited Resources/MediaBox on each page
            number = merger.allocate()
            if page.indirect_reference is not None:  # a page listed twice is copied twice
                self.numbers.setdefault(_key(page.indirect_reference), number)
            self.pages.append((number, page))
        root = reader.trailer.raw_get("/Root")
        self.numbers[_key(root)] = None  # the source's Catalog: dropped
        for node in _page_tree_nodes(reader.root_object.raw_get("/Pages")):
            self.numbers[node] = PAGES

    def write_page(self, number: int, page: DictionaryObject) -> None:
        """The page, pointing to the output's Pages node, then all it references."""
        copy = DictionaryObject(
            {NameObject(k): self.remap(v) for k, v in page.items() if k not in DROPPED_PAGE_KEYS}
        )
        copy[NameObject("/Parent")] = _ref(PAGES)
        self.merger.write_object(number, copy)
        while self.pending:
            n, obj = self.pending.pop()
            self.merger.write_object(n, self.remap(obj))

    def remap(self, obj: PdfObject) -> PdfObject:
        """A copy of a direct object with its references renumbered (and queued for writing)."""
        if isinstance(obj, IndirectObject):
            number = self.number_for(obj)
            return NullObject() if number is None else _ref(number)
        if isinstance(obj, StreamObject):
            copy = EncodedStreamObject() if "/Filter" in obj else DecodedStreamObject()
            copy._data = obj._data  # the bytes as encoded in the source, never re-encoded
            copy.update({k: self.remap(v) for k, v in obj.items() if k != "/Length"})
            return copy
        if isinstance(obj, DictionaryObject):
            return DictionaryObject({k: self.remap(v) for k, v in obj.items()})
        if isinstance(obj, ArrayObject):
            return ArrayObject(self.remap(v) for v in obj)
        return obj  # names, numbers, strings, booleans, null

    def number_for(self, ref: IndirectObject) -> int | None:
        """The output number of a referenced object (None: write null instead)."""
        key = _key(ref)
        if key in self.numbers:
            return self.numbers[key]
        target = ref.get_object()
        if target is None or (
            isinstance(target, DictionaryObject) and target.get("/Type") == "/Page"
        ):
            self.numbers[key] = None  # missing, or a page outside the page tree
            return None
        number = self.merger.allocate()
        self.numbers[key] = number
        self.pending.append((number, target))
        return number


def _page_tree_nodes(pages: PdfObject) -> set[tuple[int, int]]:
    """The source's Pages nodes (references to them become references to the output's)."""
    found: set[tuple[int, int]] = set()
    stack = [pages]
    while stack:
        ref = stack.pop()
        if not isinstance(ref, IndirectObject) or _key(ref) in found:
            continue
        node = ref.get_object()
        if isinstance(node, DictionaryObject) and "/Kids" in node:
            found.add(_key(ref))
            stack.extend(node["/Kids"].get_object())
    return found


def _key(ref: IndirectObject) -> tuple[int, int]:
    return ref.idnum, ref.generation


def _ref(number: int) -> IndirectObject:
    return IndirectObject(number, 0, None)
