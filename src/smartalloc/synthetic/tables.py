"""Static reference tables: group names (B.6), group → school stage (C.1), the Crosswalk
workbook (C.5) and the operator's 59 × 5 Sabt mapping sheet (B.4 `Sheet1`).
"""

from __future__ import annotations

from smartalloc.domain.contracts import (
    CROSSWALK_COLUMNS,
    CROSSWALK_GROUP_SHEET,
    CROSSWALK_SYNONYM_SHEET,
    STUDENT_COLUMNS,
    CrosswalkCol,
)

GROUP_NAMES: dict[int, str] = {
    1: "دوازدهم ریاضی", 3: "دوازدهم تجربی", 5: "دوازدهم انسانی", 7: "هنر",
    8: "دوازدهم علوم و معارف اسلامی", 9: "منحصرا زبان", 11: "دوازدهم الکتروتکنیک",
    12: "دوازدهم شبکه و نرم\u200cافزار رایانه", 14: "دوازدهم تربیت بدنی", 17: "دوازدهم حسابداری",
    18: "دوازدهم مکانیک خودرو", 21: "یازدهم ریاضی", 22: "یازدهم تجربی", 23: "یازدهم علوم انسانی",
    29: "یازدهم علوم و معارف اسلامی", 24: "دهم ریاضی", 25: "دهم تجربی", 26: "دهم انسانی",
    30: "دهم علوم و معارف اسلامی", 27: "نهم", 31: "هشتم", 33: "هفتم", 35: "ششم دبستان",
    41: "پنجم دبستان", 43: "چهارم دبستان", 45: "سوم دبستان", 46: "دوم دبستان",
    53: "یازدهم الکتروتکنیک", 55: "یازدهم شبکه و نرم افزار", 66: "یازدهم تربیت بدنی",
    69: "یازدهم حسابداری", 83: "دهم شبکه و نرم\u200cافزار رایانه", 89: "دهم حسابداری",
}
OFFICIAL = tuple(sorted(GROUP_NAMES))

HIGH, MIDDLE, PRIMARY, VOCATIONAL = "دبیرستان", "راهنمایی", "دبستان", "هنرستان"
PRIMARY_GROUPS = frozenset({35, 41, 43, 45, 46})
MIDDLE_GROUPS = frozenset({27, 31, 33})
VOCATIONAL_GROUPS = frozenset({11, 12, 14, 17, 18, 53, 55, 66, 69, 83, 89})
KONKUR_GROUPS = frozenset({1, 3, 5, 7, 8, 9})


def school_stage(group: int) -> str:
    """The SchoolReport `مقطع` a student of ``group`` attends (C.1 invariant)."""
    if group in PRIMARY_GROUPS:
        return PRIMARY
    if group in MIDDLE_GROUPS:
        return MIDDLE
    if group in VOCATIONAL_GROUPS:
        return VOCATIONAL
    return HIGH


def crosswalk_bucket(group: int) -> str:
    if group in KONKUR_GROUPS:
        return "کنکوری"
    return {PRIMARY: "دبستان", MIDDLE: "متوسطه اول", VOCATIONAL: "هنرستان"}.get(
        school_stage(group), "متوسطه دوم")


def crosswalk_sheets() -> list[tuple[str, tuple[str, ...], list[list]]]:
    """(sheet, columns, rows) for Crosswalk.xlsx; codes are ints, names text."""
    groups = [[GROUP_NAMES[g], g, crosswalk_bucket(g)] for g in OFFICIAL]
    synonyms = [
        ["دهم علوم انسانی", "دهم انسانی"],
        ["یازدهم انسانی", "یازدهم علوم انسانی"],
        ["دوازدهم شبکه و نرم افزار رایانه", "دوازدهم شبکه و نرم\u200cافزار رایانه"],
        ["دهم شبکه و نرم افزار رایانه", "دهم شبکه و نرم\u200cافزار رایانه"],
        ["یازدهم شبکه و نرم\u200cافزار", "یازدهم شبکه و نرم افزار"],
        ["ریاضی دوازدهم", "دوازدهم ریاضی"],
    ]
    return [
        (CROSSWALK_GROUP_SHEET, CROSSWALK_COLUMNS, groups),
        (CROSSWALK_SYNONYM_SHEET, (CrosswalkCol.SYN_FROM, CrosswalkCol.SYN_TO), synonyms),
    ]


# --- Sheet1 of the student report: the operator's Sabt mapping spec (B.4) -------------------
MAPPING_COLUMNS = (
    "عنوان ستون ها ورودی", "مقدار برای مپ کردن از اکسل ورودی", "اولویت و ترتیب در اکسل خروجی",
    "مقدار از کجا آورده شود", "عنوان ستون در خروجی اکسل",
)
# Input columns in output order (the Book1 sheet `2` header, B.5) + نوع بسته حکمت at 46.
_OUTPUT_ORDER = tuple(c for c in STUDENT_COLUMNS if c not in (
    "کد ثبت نام", "پشتیبان", "آیا پول به نمایندگی داده یا نه؟", "مدرسه اطلاع",
    "پایه تحصیلی اطلاع", "مرکز ثبت نام", "تاریخ", "تاریخ اولین آزمون", "زمان", "تاریخ ورودی",
    "کد ملی", "نوع بسته حکمت"))[:45] + ("نوع بسته حکمت",)
_NOTES = {
    "پیدا کردن ردیف پشتیبان از فیلد 141": ("کد کارمندی پشتیبان | mentor_id", "برنامه"),
    "کد ثبت نام0": ("student_id (شمارنده)", "برنامه"),
    "گروه آزمایشی نهایی": ("کد رشته", "اکسل ورودی"),
    "جنسیت": ("0 یا 1", "اکسل ورودی"),
    "وضعیت ثبت نام": ("عادی حکمت بنیاد (0 یا 3 یا 1)", "اکسل ورودی"),
    "وضعیت تحصیلی": ("دانش آموز - فارغ التحصیل (1 یا 0)", "اکسل ورودی"),
    "تلفن منزل": ("اگر حکمت (3) و خالی باشد: 00000000000", "اکسل ورودی"),
    "کپی کد جایگزین 39": ("کد جایگزین پشتیبان", "برنامه"),
    "شماره پرونده بنیاد شهید": ("فقط وقتی وضعیت ثبت نام = 1", "اکسل ورودی"),
    "نسبت رابط 1": ("1", "مقدار ثابت"),
    "نسبت رابط 2": ("2", "مقدار ثابت"),
    "شهر مدرسه": ("4001", "مقدار ثابت"),
    "مدرسه نهایی": ("کد مدرسه", "اکسل ورودی"),
    "کد رهگیری حکمت": ("1111111111111111 وقتی وضعیت ثبت نام = 3", "اکسل ورودی"),
}


def mapping_rows(sabt_columns: tuple[str, ...]) -> list[list[str]]:
    """59 rows × 5 text cells: what each input column holds and where it goes."""
    rows = []
    for name in STUDENT_COLUMNS:
        if name in _OUTPUT_ORDER:
            pos = _OUTPUT_ORDER.index(name)
            note, source = _NOTES.get(name, ("", "اکسل ورودی"))
            rows.append([name, note, str(pos + 1), source, sabt_columns[pos]])
        else:
            rows.append([name, "", "", "حذف از اکسل خروجی", ""])
    return rows
