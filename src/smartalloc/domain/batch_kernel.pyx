# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The batch's hot loops, compiled: the engine's seat-by-seat picks for the default ranking,
the decisions they lead to, and the national-id checksum of a whole batch.

Each has a Python reference it is tested against (``AllocationEngine``'s Python loop,
``batch.engine_decisions``, ``national_id.is_valid_national_id``); without this module being
built (`make env` builds it) the references run, with the same answers, slower.

The picks follow ``AllocationEngine._seat``
(D6: occupancy ratio → allocations → natural mentor
order, capacity respected), with plain C arrays instead of Python tuples and heaps: one binary
heap of (ratio, allocated, position) per distinct row group, refreshed lazily because a mentor's
key only grows. ``AllocationEngine.seat_all`` prepares the inputs and falls back to ``pick``
when this module is not built; ``tests/unit/test_batch_kernel.py`` holds the two to the same
answers.
"""

from cpython cimport array
from cpython.object cimport PyTypeObject
from cpython.ref cimport Py_INCREF
from cpython.tuple cimport PyTuple_SET_ITEM
from libc.stdint cimport uint64_t
from libc.stdio cimport snprintf
from libc.stdlib cimport free, malloc

import array as _array

cdef array.array _LONGS = _array.array("l")
cdef array.array _DOUBLES = _array.array("d")


cdef struct Entry:
    double ratio
    long allocated
    int m


cdef inline bint _less(const Entry* a, const Entry* b) noexcept nogil:
    if a.ratio != b.ratio:
        return a.ratio < b.ratio
    if a.allocated != b.allocated:
        return a.allocated < b.allocated
    return a.m < b.m


cdef inline void _sift_down(Entry* heap, int size, int i) noexcept nogil:
    cdef Entry item = heap[i]
    cdef int child
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and _less(&heap[child + 1], &heap[child]):
            child += 1
        if not _less(&heap[child], &item):
            break
        heap[i] = heap[child]
        i = child
    heap[i] = item


cdef inline void _sift_up(Entry* heap, int i) noexcept nogil:
    cdef Entry item = heap[i]
    cdef int parent
    while i > 0:
        parent = (i - 1) >> 1
        if not _less(&item, &heap[parent]):
            break
        heap[i] = heap[parent]
        i = parent
    heap[i] = item


cdef struct State:
    long* remaining_at_start
    long* allocated
    Entry* entries          # every group's heap, back to back
    int* heap_start         # group g's heap is entries[heap_start[g] : heap_start[g] + size[g]]
    int* size


cdef inline Entry* _valid_top(State* s, int g) noexcept nogil:
    """Clean stale entries off group g's heap; its valid top, or NULL when it is empty."""
    cdef Entry* heap = s.entries + s.heap_start[g]
    cdef int m
    cdef long a
    while s.size[g] > 0:
        m = heap[0].m
        a = s.allocated[m]
        if a >= s.remaining_at_start[m]:
            s.size[g] -= 1
            heap[0] = heap[s.size[g]]
            _sift_down(heap, s.size[g], 0)
        elif heap[0].allocated != a:
            heap[0].allocated = a
            heap[0].ratio = <double>a / s.remaining_at_start[m]
            _sift_down(heap, s.size[g], 0)
        else:
            return heap
    return NULL


cdef inline void _pop(State* s, int g) noexcept nogil:
    cdef Entry* heap = s.entries + s.heap_start[g]
    s.size[g] -= 1
    heap[0] = heap[s.size[g]]
    _sift_down(heap, s.size[g], 0)


cdef inline void _push(State* s, int g, Entry e) noexcept nogil:
    cdef Entry* heap = s.entries + s.heap_start[g]
    heap[s.size[g]] = e
    s.size[g] += 1
    _sift_up(heap, s.size[g] - 1)


cdef inline int _popcount(uint64_t x) noexcept nogil:
    return __builtin_popcountll(x)


cdef extern from "Python.h":
    void* PyUnicode_DATA(object)


cdef extern from *:
    int __builtin_popcountll(unsigned long long) nogil
    int __builtin_ctzll(unsigned long long) nogil


cdef inline uint64_t _word(const unsigned char* mask, int w) noexcept nogil:
    cdef uint64_t x = 0
    cdef int b
    for b in range(7, -1, -1):
        x = (x << 8) | mask[w * 8 + b]
    return x


def seat_all(list remaining_at_start, list allocated, list groups, list combo_groups,
             list combo_masks, list sequence):
    """Seat one student per entry of ``sequence`` (a combination id each), in order.

    ``remaining_at_start[m]`` / ``allocated[m]``: mentor m's seats at the start and the seats
    already taken (``allocated`` is updated in place). Mentor sets are bitsets as little-endian
    bytes, 8 per 64 mentors (``int.to_bytes``). ``groups``: the distinct row groups.
    ``combo_groups[c]``: the group ids whose union is combination c's candidates (one or two);
    ``combo_masks[c]``: that union, to count the candidates with a seat left.

    Returns arrays, one entry per student: winner and runner-up positions (-1 for none), the
    index of the ranking rule that separated them (-1 without a runner-up), the winner's
    occupancy ratio, allocations and remaining seats before the pick, and the candidates with a
    seat left before the pick (the capacity-gate count of the trace).
    """
    cdef int n_mentors = len(remaining_at_start)
    cdef int n_groups = len(groups)
    cdef int n_combos = len(combo_groups)
    cdef Py_ssize_t n = len(sequence)
    cdef int n_words = (n_mentors + 63) // 64
    cdef int total = 0, g, c, i, j, k, m, w
    cdef const unsigned char* mask
    cdef uint64_t x
    for g in range(n_groups):
        if len(groups[g]) != n_words * 8:
            raise ValueError("a group bitset has the wrong length")
        mask = groups[g]
        for w in range(n_words):
            total += _popcount(_word(mask, w))
    cdef int n_bits = 0
    for c in range(n_combos):
        if len(combo_masks[c]) != n_words * 8:
            raise ValueError("a combination bitset has the wrong length")
        mask = combo_masks[c]
        for w in range(n_words):
            n_bits += _word(mask, w) != 0

    cdef State s
    s.remaining_at_start = <long*>malloc(n_mentors * sizeof(long) + 1)
    s.allocated = <long*>malloc(n_mentors * sizeof(long) + 1)
    s.entries = <Entry*>malloc(total * sizeof(Entry) + 1)
    s.heap_start = <int*>malloc(n_groups * sizeof(int) + 1)
    s.size = <int*>malloc(n_groups * sizeof(int) + 1)
    cdef uint64_t* with_seat = <uint64_t*>malloc(n_words * sizeof(uint64_t) + 1)
    cdef int* part0 = <int*>malloc(n_combos * sizeof(int) + 1)
    cdef int* part1 = <int*>malloc(n_combos * sizeof(int) + 1)
    cdef int* word_start = <int*>malloc((n_combos + 1) * sizeof(int))
    cdef int* word_index = <int*>malloc(n_bits * sizeof(int) + 1)
    cdef uint64_t* word_bits = <uint64_t*>malloc(n_bits * sizeof(uint64_t) + 1)
    cdef int* seq = <int*>malloc(n * sizeof(int) + 1)
    cdef array.array winner = array.clone(_LONGS, n, zero=False)
    cdef array.array runner = array.clone(_LONGS, n, zero=False)
    cdef array.array rule = array.clone(_LONGS, n, zero=False)
    cdef array.array ratio = array.clone(_DOUBLES, n, zero=False)
    cdef array.array given = array.clone(_LONGS, n, zero=False)
    cdef array.array left = array.clone(_LONGS, n, zero=False)
    cdef array.array open_seats = array.clone(_LONGS, n, zero=False)
    try:
        for w in range(n_words):
            with_seat[w] = 0
        for m in range(n_mentors):
            s.remaining_at_start[m] = remaining_at_start[m]
            s.allocated[m] = allocated[m]
            if s.allocated[m] < s.remaining_at_start[m]:
                with_seat[m >> 6] |= (<uint64_t>1) << (m & 63)
        k = 0
        for g in range(n_groups):
            s.heap_start[g] = k
            j = 0
            mask = groups[g]
            for w in range(n_words):
                x = _word(mask, w)
                while x:
                    m = w * 64 + __builtin_ctzll(x)
                    x &= x - 1
                    if s.allocated[m] < s.remaining_at_start[m]:
                        s.entries[k + j].m = m
                        s.entries[k + j].allocated = s.allocated[m]
                        s.entries[k + j].ratio = <double>s.allocated[m] / s.remaining_at_start[m]
                        j += 1
            s.size[g] = j
            for i in range(j // 2 - 1, -1, -1):
                _sift_down(s.entries + k, j, i)
            k += j
        k = 0
        for c in range(n_combos):
            parts = combo_groups[c]
            part0[c] = parts[0] if len(parts) > 0 else -1
            part1[c] = parts[1] if len(parts) > 1 else -1
            word_start[c] = k
            mask = combo_masks[c]
            for w in range(n_words):
                x = _word(mask, w)
                if x:
                    word_index[k] = w
                    word_bits[k] = x
                    k += 1
        word_start[n_combos] = k
        for i in range(n):
            seq[i] = sequence[i]
        with nogil:
            _run(&s, with_seat, part0, part1, word_start, word_index, word_bits, seq, n,
                 winner.data.as_longs, runner.data.as_longs, rule.data.as_longs,
                 ratio.data.as_doubles, given.data.as_longs, left.data.as_longs,
                 open_seats.data.as_longs)
        for m in range(n_mentors):
            allocated[m] = s.allocated[m]
        return winner, runner, rule, ratio, given, left, open_seats
    finally:
        free(s.remaining_at_start); free(s.allocated); free(s.entries); free(s.heap_start)
        free(s.size); free(with_seat); free(part0); free(part1); free(word_start)
        free(word_index); free(word_bits); free(seq)


cdef void _run(State* s, uint64_t* with_seat, int* part0, int* part1, int* word_start,
               int* word_index, uint64_t* word_bits, int* seq, int n, long* out_winner,
               long* out_runner, long* out_rule, double* out_ratio, long* out_allocated,
               long* out_remaining, long* out_open) noexcept nogil:
    cdef int i, c, k, m, count, n_parts, p
    cdef int parts[2]
    cdef bint won[2]
    cdef Entry* top
    cdef Entry* runner
    cdef Entry best, new
    cdef bint found
    for i in range(n):
        c = seq[i]
        count = 0
        for k in range(word_start[c], word_start[c + 1]):
            count += _popcount(word_bits[k] & with_seat[word_index[k]])
        out_open[i] = count
        parts[0] = part0[c]
        parts[1] = part1[c]
        n_parts = 2 if parts[1] >= 0 else (1 if parts[0] >= 0 else 0)
        found = False
        best.ratio = 0.0
        best.allocated = 0
        best.m = -1
        for p in range(n_parts):
            top = _valid_top(s, parts[p])
            if top != NULL and (not found or _less(top, &best)):
                best = top[0]
                found = True
        if not found:
            out_winner[i] = -1
            out_runner[i] = -1
            out_rule[i] = -1
            out_ratio[i] = 0.0
            out_allocated[i] = 0
            out_remaining[i] = 0
            continue
        m = best.m
        for p in range(n_parts):
            won[p] = s.size[parts[p]] > 0 and (s.entries + s.heap_start[parts[p]])[0].m == m
            if won[p]:
                _pop(s, parts[p])
        runner = NULL
        for p in range(n_parts):
            top = _valid_top(s, parts[p])
            if top != NULL and (runner == NULL or _less(top, runner)):
                runner = top
        out_winner[i] = m
        if runner == NULL:
            out_runner[i] = -1
            out_rule[i] = -1
        else:
            out_runner[i] = runner.m
            out_rule[i] = (0 if runner.ratio != best.ratio
                           else 1 if runner.allocated != best.allocated else 2)
        out_ratio[i] = best.ratio
        out_allocated[i] = best.allocated
        out_remaining[i] = s.remaining_at_start[m] - best.allocated
        s.allocated[m] = best.allocated + 1
        if s.allocated[m] < s.remaining_at_start[m]:
            new.m = m
            new.allocated = s.allocated[m]
            new.ratio = <double>new.allocated / s.remaining_at_start[m]
            for p in range(n_parts):
                if won[p]:
                    _push(s, parts[p], new)
        else:
            with_seat[m >> 6] &= ~((<uint64_t>1) << (m & 63))


cdef extern from "Python.h":
    object PyType_GenericAlloc(PyTypeObject*, Py_ssize_t)


cdef inline object _instance(object cls, tuple fields):
    """``cls._make(fields)`` for a tuple subclass, without the Python call: what
    ``tuple.__new__`` does for a subclass (allocate, then take every item)."""
    cdef Py_ssize_t i, n = len(fields)
    cdef object out = PyType_GenericAlloc(<PyTypeObject*>cls, n)
    for i in range(n):
        item = fields[i]
        Py_INCREF(item)
        PyTuple_SET_ITEM(out, i, item)
    return out


def engine_decisions(list decisions, students, verdicts, list reaching, list combos,
                     long[:] winner, long[:] runner, long[:] rule, double[:] occupancy,
                     long[:] given, long[:] left, long[:] open_seats, counters,
                     list mentor_ids, list mentor_names, tuple rule_names, pool_size,
                     decision_type, allocated, failed):
    """Compiled twin of ``batch.engine_decisions`` (same arguments, same decisions). Codes are
    issued inline as ``CounterBook.issue(..., remember=False)`` does: a returning student
    keeps its reusable code, anyone else gets the next sequence of its gender."""
    cdef Py_ssize_t j, position, n = len(reaching)
    cdef long m, r, k, gender, seq, exhausted = -1
    cdef long last = counters.last, digits = counters.digits
    cdef dict by_student = counters.by_student
    cdef list seqs, prefixes
    cdef object student, verdict, combo, alias, previous, code, reused, counts
    cdef char number[32]
    if digits > 20:
        raise ValueError("a registration sequence of more than 20 digits")
    seqs, prefixes = counters.sequences()
    try:
        for j in range(n):
            position = reaching[j]
            combo = combos[j]
            m = winner[j]
            if m < 0:
                decisions[position] = failed(j)
                continue
            student = students[position]
            verdict = verdicts[position]
            national_id = student.national_id
            gender = combo.keys[1]
            code = None
            if national_id in by_student:
                code = counters.reusable(national_id, gender) or None
            if code is not None:
                reused = True
            else:
                seq = seqs[gender]
                if seq > last:
                    exhausted = gender
                    break
                seqs[gender] = seq + 1
                snprintf(number, 32, "%0*ld", <int>digits, seq)
                code = <str>prefixes[gender] + number.decode("ascii")
                reused = False
            alias = combo.school_aliases.get(m)
            on_school_row = alias is not None
            if not on_school_row:
                alias = combo.global_aliases[m]
            previous = verdict.previous
            r = runner[j]
            k = rule[j]
            counts = <tuple>combo.static_counts + (open_seats[j],)
            decisions[position] = _instance(decision_type, (
                student.index, national_id, allocated, combo.channel, mentor_ids[m],
                mentor_names[m], alias, on_school_row, code, reused, None, "", "",
                verdict.reason_fa, previous is not None,
                previous.mentor_id if previous is not None else "", pool_size, counts,
                mentor_ids[r] if r >= 0 else "", rule_names[k] if k >= 0 else "",
                occupancy[j], given[j], left[j]))
    finally:
        counters.advance(seqs)
    if exhausted >= 0:
        raise counters.exhausted(exhausted)


def valid_national_ids(list national_ids, reference):
    """``[reference(x) for x in national_ids]`` for ``national_id.is_valid_national_id``: ASCII
    ids are checked here, anything else by the reference itself."""
    cdef Py_ssize_t i, n = len(national_ids)
    cdef int k, total, remainder
    cdef const char* digits
    cdef list out = [False] * n
    for i in range(n):
        nid = national_ids[i]
        if type(nid) is not str or not (<str>nid).isascii():
            out[i] = reference(nid)
            continue
        if len(<str>nid) != 10:
            continue
        digits = <const char*>PyUnicode_DATA(nid)  # ASCII: one byte per character
        total = 0
        for k in range(10):
            if digits[k] < 48 or digits[k] > 57:
                break
        else:
            for k in range(1, 10):
                if digits[k] != digits[0]:
                    break
            else:
                continue
            for k in range(9):
                total += (digits[k] - 48) * (10 - k)
            remainder = total % 11
            out[i] = (remainder if remainder < 2 else 11 - remainder) == digits[9] - 48
    return out



def dedupe(students, list valid, dict seen, history, fresh, judge):
    """Twin of ``dedupe.dedupe``'s loop: ``[judge(s, ok) for s, ok in zip(students, valid)]``,
    with the common case done here — a valid id seen for the first time and without history
    gets ``fresh``, exactly where ``judge`` returns it."""
    cdef Py_ssize_t i, n = len(students)
    cdef list out = [None] * n
    for i in range(n):
        student = students[i]
        ok = valid[i]
        if ok is True:
            nid = student.national_id
            if nid not in seen and history.get(nid) is None:
                seen[nid] = student.row
                out[i] = fresh
                continue
        out[i] = judge(student, ok)
    return out


def triage(students, verdicts, usable, new):
    """Compiled twin of ``batch.triage`` (same arguments, same lists)."""
    cdef Py_ssize_t i, n = len(students)
    cdef list reaching = [], keys = [], others = []
    cdef set known = usable.known
    for i in range(n):
        if verdicts[i].verdict is new:
            k = students[i].keys
            if k is not None and (k in known or k in usable):
                reaching.append(i)
                keys.append(k)
                continue
        others.append(i)
    return reaching, keys, others
