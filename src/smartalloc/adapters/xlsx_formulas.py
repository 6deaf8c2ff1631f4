"""Formula cells without a saved value: calamine reads them as empty, so a mentor id typed as a
formula in a workbook no spreadsheet program has recalculated and saved became an "empty id"
and the mentor vanished. They are found while the package guard inflates the sheets anyway
(one pass over the XML), and the reader refuses them by row and column.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile

_MAX_CELLS = 200          # per sheet: enough to name them, bounded for a hostile file
_CARRY = 512              # bytes of the previous chunk kept: a cell may straddle the cut
_REF = re.compile(rb"""\br\s*=\s*["']\s*([A-Za-z]{1,3})\s*([0-9]{1,7})""")


class FormulaScan:
    """Collects the references of cells whose formula has no cached value in one sheet part."""

    def __init__(self, prefix: bytes):
        p = re.escape(prefix + b":") if prefix else b""
        self.markers = (b"</" + prefix + b":f>" if prefix else b"</f>",
                        b"<" + prefix + b":f " if prefix else b"<f ")
        # a formula's end followed by the cell's end or an empty value
        self.uncached = re.compile(
            rb"(?:</" + p + rb"f>|<" + p + rb"f\b[^>]*/>)\s*(?:<" + p + rb"v\s*/>|<" + p
            + rb"v>\s*</" + p + rb"v>|</" + p + rb"c>)")
        self.cell_start = re.compile(rb"<" + p + rb"c[\s>]")
        self.refs: dict[tuple[str, int], None] = {}
        self.carry = b""
        self.pending = False

    def feed(self, text: bytes, tagged: bool | None = None) -> None:
        """The next piece of the part; ``tagged``: whether it holds a formula tag, as the
        package guard's compiled scan counted them (None: not counted, searched here)."""
        seam = self.carry[-16:] + text[:16]      # a marker the cut split in two
        found = (self.pending or any(m in seam for m in self.markers)
                 or (tagged if tagged is not None else any(m in text for m in self.markers)))
        # a formula near the end may have its value (or its cell's end) in the next chunk
        self.pending = any(m in text[-_CARRY:] for m in self.markers)
        if len(self.refs) >= _MAX_CELLS or not found:
            self.carry = text[-_CARRY:]
            return
        window = self.carry + text
        for match in self.uncached.finditer(window):
            starts = list(self.cell_start.finditer(window, 0, match.start()))
            if starts:
                ref = _REF.search(window, starts[-1].start(), match.start())
                if ref:
                    self.refs[(ref.group(1).decode().upper(), int(ref.group(2)))] = None
        self.carry = window[-_CARRY:]

    def cells(self) -> tuple[tuple[str, int], ...]:
        return tuple(self.refs)[:_MAX_CELLS]


def is_sheet_part(name: str) -> bool:
    return name.startswith("xl/worksheets/") and name.endswith(".xml")


def sheet_names_by_part(zf: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part (``xl/worksheets/sheet1.xml``) → the sheet's name in the workbook."""
    try:
        book = ET.fromstring(zf.read("xl/workbook.xml"))
        rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ET.ParseError, zipfile.BadZipFile, OSError):
        return {}
    targets = {}
    for rel in rels:
        target = rel.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        targets[rel.get("Id")] = target
    out = {}
    for el in book.iter():
        if el.tag.endswith("}sheet") or el.tag == "sheet":
            rid = next((v for k, v in el.attrib.items() if k.endswith("}id")), None)
            if rid in targets:
                out[targets[rid]] = el.get("name", "")
    return out
