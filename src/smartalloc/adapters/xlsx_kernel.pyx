# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""A worksheet's rows rendered to UTF-8 XML, compiled (issue P): the hot loop of every large
workbook. In Python the rows of the 100k run (about 410k rows, 12M cells) cost ~5 s of CPU
in the writer processes: a Python call per row, one per new value, and the UTF-8 encoding
of ~250 MB of XML built as ``str``.

Here each column keeps the UTF-8 tail of each text value it has rendered (everything after
the cell reference), so a repeated value is one dictionary lookup and a copy; an ``int`` is
written digit by digit; the row number is written, never substituted. A text the column has
not seen is rendered here when it holds nothing to escape (no ``& < >``, no C0 control but
tab and line breaks, no ``_x``, no surrogate, no U+FFFE/U+FFFF); any other text goes to the
Python ``tail`` (``xlsx_rows.str_tail``), and any row holding a cell that is not exactly
``str``, ``int``, a finite ``float`` (written as its ``repr``) or ``None``, or more cells than
columns, to the Python ``odd`` row. So the rules stay in Python once; this only copies what
they would write.

Its reference is ``xlsx_rows``'s Python renderer: ``tests/unit/test_xlsx_rows.py`` holds both
to the previous per-cell writer with Hypothesis, and without this module built the Python
renderer runs, with the same bytes, slower.
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.dict cimport PyDict_GetItem
from cpython.list cimport PyList_GET_ITEM
from cpython.ref cimport PyObject
from libc.stdlib cimport free, realloc
from libc.string cimport memcpy, strlen


cdef extern from "Python.h":
    int PyUnicode_KIND(object)
    void* PyUnicode_DATA(object)
    unsigned int PyUnicode_READ(int kind, void* data, Py_ssize_t index)
    Py_ssize_t PyUnicode_GET_LENGTH(object)
    long long PyLong_AsLongLongAndOverflow(object, int* overflow) except? -1
    Py_ssize_t PySequence_Fast_GET_SIZE(object)
    PyObject** PySequence_Fast_ITEMS(object)
    double PyFloat_AS_DOUBLE(object)
    char* PyOS_double_to_string(double, char, int, int, int*) except NULL
    void PyMem_Free(void*)
    int Py_DTSF_ADD_DOT_0


cdef extern from "<math.h>":
    bint isfinite(double)


cdef bytes _OPEN = b' t="inlineStr"><is><t>'
cdef bytes _OPEN_SPACE = b' t="inlineStr"><is><t xml:space="preserve">'
cdef bytes _CLOSE = b'</t></is></c>'


ctypedef fused uchar:   # one code unit of a str: PEP 393's 1-, 2- and 4-byte kinds
    unsigned char
    unsigned short
    unsigned int


cdef Py_ssize_t _utf8_size(const uchar* text, Py_ssize_t n):
    """Bytes of ``text`` in UTF-8, or -1 when it holds something XML or Excel needs written
    otherwise (``& < >``, a C0 control but tab and line breaks, ``_x``, U+FFFE/U+FFFF) or that
    UTF-8 refuses (a lone surrogate): such a text is the Python ``tail``'s."""
    cdef Py_ssize_t i, size = 0
    cdef unsigned int ch
    for i in range(n):
        ch = text[i]
        if ch < 0x80:
            if ch < 0x20:
                if ch != 9 and ch != 10 and ch != 13:
                    return -1
            elif ch == 38 or ch == 60 or ch == 62:              # & < >
                return -1
            elif ch == 95 and i + 1 < n and text[i + 1] == 120:  # _x: Excel's escape form
                return -1
            size += 1
        elif ch < 0x800:
            size += 2
        elif ch < 0x10000:
            if 0xD800 <= ch <= 0xDFFF or ch == 0xFFFE or ch == 0xFFFF:
                return -1
            size += 3
        else:
            size += 4
    return size


cdef void _utf8(const uchar* text, Py_ssize_t n, unsigned char* p):
    cdef Py_ssize_t i, k = 0
    cdef unsigned int ch
    for i in range(n):
        ch = text[i]
        if ch < 0x80:
            p[k] = <unsigned char>ch
            k += 1
        elif ch < 0x800:
            p[k] = <unsigned char>(0xC0 | (ch >> 6))
            p[k + 1] = <unsigned char>(0x80 | (ch & 0x3F))
            k += 2
        elif ch < 0x10000:
            p[k] = <unsigned char>(0xE0 | (ch >> 12))
            p[k + 1] = <unsigned char>(0x80 | ((ch >> 6) & 0x3F))
            p[k + 2] = <unsigned char>(0x80 | (ch & 0x3F))
            k += 3
        else:
            p[k] = <unsigned char>(0xF0 | (ch >> 18))
            p[k + 1] = <unsigned char>(0x80 | ((ch >> 12) & 0x3F))
            p[k + 2] = <unsigned char>(0x80 | ((ch >> 6) & 0x3F))
            p[k + 3] = <unsigned char>(0x80 | (ch & 0x3F))
            k += 4


cdef object _plain_tail(object text):
    """The cell after its reference, as ``str_tail`` writes it, for a text with nothing to
    escape; None for any other text."""
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(text), size
    cdef int kind = PyUnicode_KIND(text)
    cdef void* data = PyUnicode_DATA(text)
    if n == 0:
        return None
    if kind == 1:
        size = _utf8_size(<const unsigned char*>data, n)
    elif kind == 2:
        size = _utf8_size(<const unsigned short*>data, n)
    else:
        size = _utf8_size(<const unsigned int*>data, n)
    if size < 0:
        return None
    cdef bytes open_ = _OPEN_SPACE if (PyUnicode_READ(kind, data, 0) == 32 or
                                       PyUnicode_READ(kind, data, n - 1) == 32) else _OPEN
    cdef Py_ssize_t lo = len(open_), lc = len(_CLOSE)
    cdef bytes out = PyBytes_FromStringAndSize(NULL, lo + size + lc)
    cdef unsigned char* p = <unsigned char*>PyBytes_AS_STRING(out)
    memcpy(p, PyBytes_AS_STRING(open_), lo)
    if kind == 1:
        _utf8(<const unsigned char*>data, n, p + lo)
    elif kind == 2:
        _utf8(<const unsigned short*>data, n, p + lo)
    else:
        _utf8(<const unsigned int*>data, n, p + lo)
    memcpy(p + lo + size, PyBytes_AS_STRING(_CLOSE), lc)
    return out


cdef class Renderer:
    """One sheet's rows: ``render(block, first)`` is the UTF-8 XML of ``block``, its first row
    numbered ``first``. ``letters``: each column's letters (ASCII bytes); ``neutralise``: the
    caller's rule for a text value (or None); ``odd(row, number)`` and ``tail(text)``: the
    Python renderer's row and text cell; ``memo``: texts remembered per column; ``starts``:
    the first characters of the only texts the rule may change (None: it may change any)."""

    cdef list letters, memos
    cdef object neutralise, odd, tail, starts
    cdef Py_ssize_t columns, memo
    cdef char* buffer
    cdef Py_ssize_t length, capacity

    def __cinit__(self):
        self.buffer = NULL
        self.length = self.capacity = 0

    def __init__(self, list letters, neutralise, odd, tail, Py_ssize_t memo, starts=None):
        self.letters = [bytes(letter) for letter in letters]
        self.memos = [{} for _ in letters]
        self.columns = len(letters)
        self.neutralise, self.odd, self.tail, self.memo = neutralise, odd, tail, memo
        self.starts = starts

    def __dealloc__(self):
        free(self.buffer)

    cdef int _reserve(self, Py_ssize_t extra) except -1:
        cdef Py_ssize_t wanted = self.length + extra, capacity = self.capacity or 65536
        cdef char* grown
        if wanted <= self.capacity:
            return 0
        while capacity < wanted:
            capacity *= 2
        grown = <char*>realloc(self.buffer, capacity)
        if grown == NULL:
            raise MemoryError()
        self.buffer, self.capacity = grown, capacity
        return 0

    cdef inline int _put(self, const char* data, Py_ssize_t n) except -1:
        if self.length + n > self.capacity:
            self._reserve(n)
        memcpy(self.buffer + self.length, data, n)
        self.length += n
        return 0

    cdef inline int _number(self, long long value) except -1:
        cdef char digits[24]
        cdef int k = 24
        cdef bint negative = value < 0
        cdef unsigned long long rest = (<unsigned long long>0 - <unsigned long long>value) if negative else <unsigned long long>value
        while True:
            k -= 1
            digits[k] = 48 + rest % 10
            rest //= 10
            if rest == 0:
                break
        if negative:
            k -= 1
            digits[k] = 45
        return self._put(digits + k, 24 - k)

    cdef int _float(self, double value) except -1:
        """``repr(value)``: the shortest text that reads back as the same float."""
        cdef char* text = PyOS_double_to_string(value, b'r', 0, Py_DTSF_ADD_DOT_0, NULL)
        try:
            return self._put(text, strlen(text))
        finally:
            PyMem_Free(text)

    cdef inline int _reference(self, Py_ssize_t column, long long row) except -1:
        cdef object letter = <object>PyList_GET_ITEM(self.letters, column)
        self._put('<c r="', 6)
        self._put(PyBytes_AS_STRING(letter), PyBytes_GET_SIZE(letter))
        return self._number(row)

    cdef bytes _miss(self, Py_ssize_t column, object value):
        cdef object shown = value
        cdef Py_UCS4 first = PyUnicode_READ(PyUnicode_KIND(value), PyUnicode_DATA(value), 0)
        if self.neutralise is not None and (self.starts is None or first in <str>self.starts):
            shown = self.neutralise(value)
        cdef object tail = _plain_tail(shown) if type(shown) is str else None
        if tail is None:
            tail = self.tail(shown).encode()
        cdef dict memo = <object>PyList_GET_ITEM(self.memos, column)
        if len(memo) < self.memo:
            memo[value] = tail
        return tail

    cdef int _row(self, object row, long long number) except -1:
        """Writes the row and returns 1, or returns 0 for a row the Python ``odd`` writes."""
        # a tuple: the cells cannot move while the caller's rule (a Python call) runs
        cdef object cells = row if isinstance(row, tuple) else tuple(row)
        cdef Py_ssize_t n = PySequence_Fast_GET_SIZE(cells), c
        cdef PyObject** items = PySequence_Fast_ITEMS(cells)
        cdef PyObject* found
        cdef object value, tail, text
        cdef long long whole
        cdef int overflow
        if n > self.columns:
            return 0
        self._put('<row r="', 8)
        self._number(number)
        self._put('">', 2)
        for c in range(n):
            value = <object>items[c]
            if value is None:
                continue
            if type(value) is str:
                if PyUnicode_GET_LENGTH(value) == 0:
                    continue
                found = PyDict_GetItem(<object>PyList_GET_ITEM(self.memos, c), value)
                tail = <object>found if found != NULL else self._miss(c, value)
                self._reference(c, number)
                self._put('"', 1)
                self._put(PyBytes_AS_STRING(tail), PyBytes_GET_SIZE(tail))
            elif type(value) is int:
                whole = PyLong_AsLongLongAndOverflow(value, &overflow)
                self._reference(c, number)
                self._put('"><v>', 5)
                if overflow:
                    text = str(value).encode()
                    self._put(PyBytes_AS_STRING(text), PyBytes_GET_SIZE(text))
                else:
                    self._number(whole)
                self._put('</v></c>', 8)
            elif type(value) is float and isfinite(PyFloat_AS_DOUBLE(value)):
                self._reference(c, number)
                self._put('"><v>', 5)
                self._float(PyFloat_AS_DOUBLE(value))
                self._put('</v></c>', 8)
            else:
                return 0
        self._put('</row>', 6)
        return 1

    def render(self, list block, long long first):
        """``block``'s rows as UTF-8 XML, numbered from ``first``."""
        cdef Py_ssize_t i, start
        cdef object row
        cdef bytes text
        self.length = 0
        for i in range(len(block)):
            row = <object>PyList_GET_ITEM(block, i)
            start = self.length
            if not self._row(row, first + i):
                self.length = start
                text = self.odd(row, first + i).encode()
                self._put(PyBytes_AS_STRING(text), PyBytes_GET_SIZE(text))
        return PyBytes_FromStringAndSize(self.buffer, self.length)
