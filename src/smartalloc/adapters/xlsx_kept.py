"""A sheet part's inflated bytes kept by the package check, with what its tag scan saw.

The student sheet is cut in two only where a ``<row`` cannot be text (``sheet_halves``):
nowhere in CDATA, a comment or a DOCTYPE (``<!``) or in a processing instruction (``<?``)
past the part's first byte, its XML declaration. Searching 150 MB of XML for those took
0.28 s at 100k students on the chain the run waits for; the check's compiled scan
(``guard_kernel``) already stops at every ``<``, so it counts them on the way and the part
kept here knows. Without the compiled scan that answer is unknown (None) and the cut
searches as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class KeptPart:
    """The chunks of the part as inflated, and whether markup where a tag could be text was
    seen in them (``hidden``)."""

    chunks: list[bytes] = field(default_factory=list)
    _seen: bool = False
    _known: bool = True
    _fed: int = 0          # bytes of the part scanned so far
    _last: bytes = b""     # the last byte scanned

    def scanned(self, piece: bytes, bangs: int | None, queries: int | None) -> None:
        """The next piece of the part as the check scanned it (the pieces, in order, make the
        part), with its counts of ``<!`` and ``<?``, None when the scan did not count them."""
        if bangs is None or queries is None:
            self._known = False
        else:
            if not self._fed and piece.startswith(b"<?"):
                queries -= 1       # the XML declaration
            # a mark cut between two pieces (only in a part that is not markup at all)
            cut = self._last == b"<" and piece[:1] in (b"!", b"?")
            self._seen = self._seen or bool(bangs or queries or cut)
        self._fed += len(piece)
        self._last = piece[-1:] or self._last

    @property
    def hidden(self) -> bool | None:
        """``<!`` anywhere or ``<?`` past the first byte: True; none: False; not known: None."""
        return True if self._seen else (False if self._known else None)
