"""Excel readers: one module per input workbook, all returning the typed domain records.

Every reader raises ``InputError`` (file, sheet, row, column, in Persian and English) for a
workbook it cannot use, and never lets a library traceback out.
"""

from smartalloc.adapters.excel_reader import file_sha256
from smartalloc.adapters.readers.crosswalk import read_crosswalk
from smartalloc.adapters.readers.history_seed import read_history_seed
from smartalloc.adapters.readers.inspactor import read_mentors
from smartalloc.adapters.readers.managers import read_managers
from smartalloc.adapters.readers.roster import read_roster
from smartalloc.adapters.readers.schools import read_schools
from smartalloc.adapters.readers.students import read_students

__all__ = [
    "file_sha256", "read_crosswalk", "read_history_seed", "read_managers", "read_mentors",
    "read_roster", "read_schools", "read_students",
]
