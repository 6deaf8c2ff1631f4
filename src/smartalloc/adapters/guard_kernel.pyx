# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The package guard's tag scan, compiled (issue P): one pass over a chunk of sheet XML that
counts the cell and row tags and finds the largest column and row their canonical references
name. The guard (``xlsx_guard._Extent``) read every cell with regular expressions, 1.2 s of
its 2 s on a 100k-row student report, and the read waits for it.

At the same ``<`` it counts the marks a sheet's other readers look for: the formula tags
(``xlsx_formulas``, 0.2 s of substring tests at 100k) and the ``<!`` and ``<?`` of CDATA,
comments, DOCTYPEs and processing instructions (``sheet_halves``' cut, 0.28 s).

Its Python reference is ``xlsx_guard``'s expressions (the counts are ``bytes.count``; the
numbers what ``letters``, ``digits`` and ``row_number`` find on canonical tags);
``tests/unit/test_guard_kernel.py`` holds the two to the same answers, and without this module
built the expressions run alone, with the same verdicts, slower.
"""

from libc.stdint cimport int64_t
from libc.string cimport memchr, memcmp

cdef int _MAX_LETTERS = 12   # 26**12 < 2**63: a longer reference is left to the expressions
cdef int _MAX_DIGITS = 18


cdef inline bint _letter(unsigned char ch):
    return (65 <= ch <= 90) or (97 <= ch <= 122)


cdef inline bint _digit(unsigned char ch):
    return 48 <= ch <= 57


cdef inline Py_ssize_t _number(const unsigned char* p, Py_ssize_t k, Py_ssize_t n,
                               int64_t* value, int* width):
    """The digits from ``k``: their value (the first ``_MAX_DIGITS`` of them) and how many
    there are; returns the position after them."""
    value[0] = 0
    width[0] = 0
    while k < n and _digit(p[k]):
        if width[0] < _MAX_DIGITS:
            value[0] = value[0] * 10 + (p[k] - 48)
        width[0] += 1
        k += 1
    return k


def scan(bytes text, bytes cell_tag, bytes row_tag, bytes formula_open=b"\x00",
         bytes formula_close=b"\x00"):
    """``(opened, canonical, max_col, max_row, rows, numbered, max_numbered, formulas, bangs,
    queries)`` of ``text``:
    ``cell_tag`` (``b"<c"``, prefixed where the part binds one) and ``cell_tag + b' r="'``
    counted; over canonical cells, the largest column of letters followed by a digit and the
    largest row of letters, digits and a closing quote; ``row_tag`` (``b"<row"``) counted, and
    the rows spelt ``<row r="`` and a digit, with their largest number; ``formula_open`` and
    ``formula_close`` (``b"<f "``, ``b"</f>"``: each starts with ``<``, not ``<!`` or ``<?``,
    and neither starts the other) counted together; ``<!`` and ``<?`` counted. None when a reference is too long for 64-bit numbers (the caller's
    expressions decide then)."""
    cdef const unsigned char* p = text
    cdef Py_ssize_t n = len(text), i = 0, j, k
    cdef const unsigned char* c = cell_tag
    cdef const unsigned char* r = row_tag
    cdef const unsigned char* fo = formula_open
    cdef const unsigned char* fc = formula_close
    cdef Py_ssize_t lc = len(cell_tag), lr = len(row_tag)
    cdef Py_ssize_t lfo = len(formula_open), lfc = len(formula_close)
    cdef int64_t opened = 0, canonical = 0, rows = 0, numbered = 0
    cdef int64_t formulas = 0, bangs = 0, queries = 0
    cdef unsigned char after
    cdef int64_t max_col = 0, max_row = 0, max_numbered = 0, value
    cdef int width
    cdef const void* at
    while i < n:
        at = memchr(p + i, 60, n - i)   # "<"
        if at == NULL:
            break
        i = <const unsigned char*>at - p
        if i + 1 < n:   # the marks: none of them is a cell or a row tag
            after = p[i + 1]
            if after == 33:       # "!"
                bangs += 1
            elif after == 63:     # "?"
                queries += 1
            elif ((i + lfo <= n and memcmp(p + i, fo, lfo) == 0)
                    or (i + lfc <= n and memcmp(p + i, fc, lfc) == 0)):
                formulas += 1
        if i + lc <= n and memcmp(p + i, c, lc) == 0:
            opened += 1
            j = i + lc
            if j + 4 <= n and memcmp(p + j, b' r="', 4) == 0:
                canonical += 1
                k = j + 4
                value = 0
                width = 0
                while k < n and _letter(p[k]):
                    if width < _MAX_LETTERS:
                        value = value * 26 + ((p[k] & 0xDF) - 64)
                    width += 1
                    k += 1
                if width and k < n and _digit(p[k]):
                    if width > _MAX_LETTERS:
                        return None
                    if value > max_col:
                        max_col = value
                    k = _number(p, k, n, &value, &width)
                    if k < n and p[k] == 34:   # the closing quote
                        if width > _MAX_DIGITS:
                            return None
                        if value > max_row:
                            max_row = value
            i = j
        elif i + lr <= n and memcmp(p + i, r, lr) == 0:
            rows += 1
            j = i + lr
            if j + 5 <= n and memcmp(p + j, b' r="', 4) == 0 and _digit(p[j + 4]):
                numbered += 1
                _number(p, j + 4, n, &value, &width)
                if width > _MAX_DIGITS:
                    return None
                if value > max_numbered:
                    max_numbered = value
            i = j
        else:
            i += 1
    return (opened, canonical, max_col, max_row, rows, numbered, max_numbered, formulas, bangs,
            queries)
