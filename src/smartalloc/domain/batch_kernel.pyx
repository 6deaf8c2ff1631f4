# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The batch's hot loops, compiled: the engine's seat-by-seat picks for the default ranking,
the decisions they lead to, dedupe with the national-id checksum, and triage.

Each has a Python reference it is tested against (``AllocationEngine``'s Python loop,
``batch.engine_decisions``, ``dedupe.dedupe`` with ``national_id.is_valid_national_id``,
``batch.triage``); without this module being
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
from cpython.object cimport PyObject, PyTypeObject
from cpython.ref cimport Py_INCREF
from cpython.tuple cimport PyTuple_New, PyTuple_SET_ITEM
from libc.stdint cimport uint64_t
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
    bint PyUnicode_IS_ASCII(object)


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
    object PyUnicode_New(Py_ssize_t, Py_UCS4)
    PyObject* PyDict_GetItem(object, object)   # borrowed; NULL when absent


cdef inline void _put(object out, Py_ssize_t i, object item):
    Py_INCREF(item)
    PyTuple_SET_ITEM(out, i, item)


cdef inline dict _as_dict(mapping):
    return mapping if type(mapping) is dict else dict(mapping)


cdef object _code(const char* prefix, Py_ssize_t width, long digits, long seq):
    """``prefix + str(seq).zfill(digits)``, written into one new ASCII string."""
    cdef object out = PyUnicode_New(width + digits, 127)
    cdef char* data = <char*>PyUnicode_DATA(out)
    cdef Py_ssize_t i
    for i in range(width):
        data[i] = prefix[i]
    for i in range(width + digits - 1, width - 1, -1):
        data[i] = 48 + seq % 10
        seq //= 10
    return out


# The Decision slots ``engine_decisions`` writes by position (``_put(out, i, …)``), in order: a
# Decision with other fields, or these in another order, is refused instead of filled wrongly.
DECISION_FIELDS = ("index", "national_id", "outcome", "channel", "mentor_id", "mentor_name",
                   "alias", "is_school_row", "code", "code_reused", "failure", "reason_fa",
                   "action_fa", "dedupe_reason", "allocated_before", "previous_mentor_id",
                   "pool_size", "stage_counts", "runner_up_id", "decided_by", "occupancy_before",
                   "allocations_before", "remaining_before")


def engine_decisions(list decisions, students, verdicts, list reaching, combo_ids, combos,
                     long[:] winner, long[:] runner, long[:] rule, double[:] occupancy,
                     long[:] given, long[:] left, long[:] open_seats, counters,
                     list mentor_ids, list mentor_names, tuple rule_names, pool_size,
                     decision_type, allocated, failed):
    """Compiled twin of ``batch.engine_decisions`` (same arguments, same decisions). Codes are
    issued inline as ``CounterBook.issue(..., remember=False)`` does: a returning student
    keeps its code of the year when it carries its gender's mid, anyone else gets the next
    sequence of its gender. What a decision takes from its combination is read once per
    combination into columns; each decision is written straight into a new tuple."""
    cdef Py_ssize_t j, i, c, position, n = len(reaching), n_combos = len(combos), n_static
    cdef Py_ssize_t arity = len(DECISION_FIELDS)
    cdef long m, r, k, gender, seq, exhausted = -1, digits = counters.digits
    cdef long last = counters.last
    cdef dict returning = counters.returning
    cdef list seqs, prefixes, prefix_bytes, boxed = list(range(len(mentor_ids)))
    cdef list channels = [None] * n_combos, school_aliases = [None] * n_combos
    cdef list global_aliases = [None] * n_combos, static_counts = [None] * n_combos
    cdef list last_counts = [None] * n_combos
    cdef long[:] genders = array.clone(_LONGS, n_combos, zero=True)
    cdef long[:] ids = array.array("l", combo_ids)
    cdef tuple static
    cdef PyObject* found
    cdef object student, verdict, alias, previous, code, reused, counts, out, national_id
    cdef object last_verdict = None, reason = None, previous_id = "", was_before = False
    cdef bytes prefix
    if decision_type._fields != DECISION_FIELDS:
        raise TypeError("batch_kernel writes Decision by position and its fields changed: "
                        "update DECISION_FIELDS and the slots, then rebuild (make env)")
    if digits > 20:
        raise ValueError("a registration sequence of more than 20 digits")
    for c in range(n_combos):
        combo = combos[c]
        channels[c] = combo.channel
        genders[c] = combo.keys[1]
        school_aliases[c] = _as_dict(combo.school_aliases)
        global_aliases[c] = _as_dict(combo.global_aliases)
        static_counts[c] = tuple(combo.static_counts)
    seqs, prefixes = counters.sequences()
    prefix_bytes = [p.encode("ascii") for p in prefixes]
    try:
        for j in range(n):
            position = reaching[j]
            m = winner[j]
            if m < 0:
                decisions[position] = failed(j)
                continue
            c = ids[j]
            gender = genders[c]
            student = students[position]
            national_id = student.national_id
            found = PyDict_GetItem(returning, national_id)
            if found != NULL and (<tuple>found)[1] == gender:
                code = (<tuple>found)[0]
                reused = True
            else:
                seq = seqs[gender]
                if seq > last:
                    exhausted = gender
                    break
                seqs[gender] = seq + 1
                prefix = <bytes>prefix_bytes[gender]
                code = _code(prefix, len(prefix), digits, seq)
                reused = False
            found = PyDict_GetItem(school_aliases[c], boxed[m])
            if found != NULL:
                alias = <object>found
                on_school_row = True
            else:
                alias = (<dict>global_aliases[c])[boxed[m]]
                on_school_row = False
            verdict = verdicts[position]
            if verdict is not last_verdict:   # most students share one verdict object
                last_verdict = verdict
                reason = verdict.reason_fa
                previous = verdict.previous
                was_before = previous is not None
                previous_id = previous.mentor_id if was_before else ""
            counts = last_counts[c]     # shared while the combination's open seats stay
            if counts is None or (<tuple>counts)[len(<tuple>counts) - 1] != open_seats[j]:
                static = <tuple>static_counts[c]
                n_static = len(static)
                counts = PyTuple_New(n_static + 1)
                for i in range(n_static):
                    _put(counts, i, static[i])
                _put(counts, n_static, open_seats[j])
                last_counts[c] = counts
            r = runner[j]
            k = rule[j]
            out = PyType_GenericAlloc(<PyTypeObject*>decision_type, arity)
            _put(out, 0, student.index)
            _put(out, 1, national_id)
            _put(out, 2, allocated)
            _put(out, 3, channels[c])
            _put(out, 4, mentor_ids[m])
            _put(out, 5, mentor_names[m])
            _put(out, 6, alias)
            _put(out, 7, on_school_row)
            _put(out, 8, code)
            _put(out, 9, reused)
            _put(out, 10, None)
            _put(out, 11, "")
            _put(out, 12, "")
            _put(out, 13, reason)
            _put(out, 14, was_before)
            _put(out, 15, previous_id)
            _put(out, 16, pool_size)
            _put(out, 17, counts)
            _put(out, 18, mentor_ids[r] if r >= 0 else "")
            _put(out, 19, rule_names[k] if k >= 0 else "")
            _put(out, 20, occupancy[j])
            _put(out, 21, given[j])
            _put(out, 22, left[j])
            decisions[position] = out
    finally:
        counters.advance(seqs)
    if exhausted >= 0:
        raise counters.exhausted(exhausted)


cdef int _ascii_id_valid(str nid) noexcept:
    """``national_id.is_valid_national_id`` of an ASCII id (1/0); -1 when ``nid`` is not
    ASCII (the Python reference decides those)."""
    cdef const char* digits
    cdef int k, total = 0, remainder
    if not PyUnicode_IS_ASCII(nid):
        return -1
    if len(nid) != 10:
        return 0
    digits = <const char*>PyUnicode_DATA(nid)  # ASCII: one byte per character
    for k in range(10):
        if digits[k] < 48 or digits[k] > 57:
            return 0
    for k in range(1, 10):
        if digits[k] != digits[0]:
            break
    else:
        return 0
    for k in range(9):
        total += (digits[k] - 48) * (10 - k)
    remainder = total % 11
    return (remainder if remainder < 2 else 11 - remainder) == digits[9] - 48


def dedupe(students, dict seen, history, fresh, judge, reference):
    """Twin of ``dedupe.dedupe``: ``[judge(s, reference(s.national_id)) for s in students]``,
    with the checksum of ASCII ids and the common case done here — a valid id seen
    for the first time and without history gets ``fresh``, exactly where ``judge`` returns
    it."""
    cdef Py_ssize_t i, n = len(students)
    cdef list out = [None] * n
    cdef dict past = history if type(history) is dict else dict(history)
    cdef int ok
    for i in range(n):
        student = students[i]
        nid = student.national_id
        ok = _ascii_id_valid(nid) if type(nid) is str else -1
        if ok < 0:
            ok = reference(nid)
        if ok == 1 and nid not in seen and PyDict_GetItem(past, nid) == NULL:
            seen[nid] = student.row
            out[i] = fresh
        else:
            out[i] = judge(student, ok == 1)
    return out


def triage(students, verdicts, usable, new):
    """Compiled twin of ``batch.triage`` (same arguments, same lists). The keys are read as
    ``StudentRecord.keys`` gives them, without its Python call."""
    cdef Py_ssize_t i, n = len(students)
    cdef list reaching = [], keys = [], others = []
    cdef set known = usable.known
    cdef tuple k
    for i in range(n):
        if verdicts[i].verdict is new:
            student = students[i]
            group, gender, status = student.group, student.gender, student.status
            center, finance, school = student.center, student.finance, student.school
            if (group is None or gender is None or status is None or center is None
                    or finance is None or school is None):
                k = None
            else:
                k = (group, gender, status, center, finance, school)
            if k is not None and (k in known or k in usable):
                reaching.append(i)
                keys.append(k)
                continue
        others.append(i)
    return reaching, keys, others
