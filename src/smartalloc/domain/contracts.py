"""Persian column names of the Kanoon workbooks: the data contracts, kept in one place.

Every other module refers to these constants; English identifiers stay in code, the exact
Persian spelling (trailing spaces, ZWNJ, Arabic letters) lives only here and in the policy's
``column_aliases``.
"""

from __future__ import annotations

from typing import Final


# --- InspactorReport (mentors), 41 columns -------------------------------------------------
class InspactorCol:
    AGENCY: Final = "کد نمایندگی"
    STAFF_ID_FORBIDDEN: Final = "کد کارمندی"  # a second staff id: never used (SSoT ⛔)
    MENTOR_ID: Final = "کد کارمندی پشتیبان"
    GENDER: Final = "جنسیت"
    NAME: Final = "نام پشتیبان"
    MANAGER: Final = "نام مدیر"
    VENUE: Final = "نام حوزه"
    GROUP_LABEL: Final = "گروه آزمایشی"
    SPECIAL: Final = "پشتیبان خاص"
    MENTOR_TYPE: Final = "نوع پشتیبان"
    SCHOOL_SLOTS: Final = ("نام مدرسه 1", "نام مدرسه 2", "نام مدرسه 3", "نام مدرسه 4")
    COVERED: Final = "تعداد داوطلبان تحت پوشش"
    POSTAL: Final = "کدپستی"
    GROUP_LIST: Final = "شامل گروه های آزمایشی"
    CAPACITY: Final = "تعداد تحت پوشش خاص"
    INACTIVE: Final = "غیر فعال"
    SCHOOL_COUNT: Final = "تعداد مدارس تحت پوشش"
    WAITING: Final = "در انتظار تخصیص پشتیبان"
    CAN_ALLOCATE: Final = "امکان جذب دانش آموز"


INSPACTOR_COLUMNS: Final[tuple[str, ...]] = (
    "کد نمایندگی", "کد کارمندی", "کد کارمندی پشتیبان", "جنسیت", "نام پشتیبان", "نام مدیر",
    "نام حوزه", "گروه آزمایشی", "پشتیبان خاص", "خدمات پشتیبانی", "برگزاری آزمون در روز آزمون",
    "بورسیه ی قلم چی", "نوع پشتیبان", "نام مدرسه 1", "نام مدرسه 2", "نام مدرسه 3", "نام مدرسه 4",
    "تعداد داوطلبان تحت پوشش", "کدپستی", "شامل گروه های آزمایشی", "تعداد تحت پوشش خاص",
    "غیر فعال", "تعداد مدارس تحت پوشش", "1حوزه در خود مدرسه ", "حوزه در خود مدرسه2 ",
    "3حوزه در خود مدرسه ", "4حوزه در خود مدرسه ", "در انتظار تخصیص پشتیبان",
    "امکان جذب دانش آموز", "1نوع مدرسه", "نوع مدرسه2", "3نوع مدرسه", "نوع مدرسه4",
    "1مقطع تحصیلی", "مقطع تحصیلی2", "3مقطع تحصیلی", "مقطع تحصیلی4",
    "1منطقه\u200cی آموزش\u200cوپرورش", "2منطقه\u200cی آموزش\u200cوپرورش",
    "3منطقه\u200cی آموزش\u200cوپرورش", "منطقه\u200cی آموزش\u200cوپرورش4",
)
INSPACTOR_REQUIRED: Final = (InspactorCol.MENTOR_ID, InspactorCol.NAME, InspactorCol.MANAGER)

# Mentor type labels (نوع پشتیبان).
MENTOR_TYPE_NORMAL: Final = "عادی"
MENTOR_TYPE_SCHOOL: Final = "مدرسه"
MENTOR_TYPE_DUAL: Final = "عادی و مدرسه"

# --- SchoolReport, 17 columns ---------------------------------------------------------------
class SchoolCol:
    FULL_CODE: Final = "کد کامل مدرسه"
    CITY_CODE: Final = "کد شهر"
    CITY_NAME: Final = "نام شهر"
    CODE: Final = "کد مدرسه"
    MINISTRY_CODE: Final = "کد آموزش و پرورش"
    NAME: Final = "نام مدرسه"
    DISTRICT: Final = "ناحیه آموزش و پرورش"
    KIND: Final = "نوع مدرسه"
    STAGE: Final = "مقطع"
    GENDER: Final = "جنسیت"
    VALID: Final = "معتبر"
    PHONE: Final = "تلفن"
    ADDRESS: Final = "آدرس"
    GRADE: Final = "درجه"
    AGENCY: Final = "نمایندگی"
    PRINCIPAL: Final = "مدیر مدرسه"
    FULL_NAME: Final = "نام کامل مدرسه"


SCHOOL_COLUMNS: Final[tuple[str, ...]] = (
    "کد کامل مدرسه", "کد شهر", "نام شهر", "کد مدرسه", "کد آموزش و پرورش", "نام مدرسه",
    "ناحیه آموزش و پرورش", "نوع مدرسه", "مقطع", "جنسیت", "معتبر", "تلفن", "آدرس", "درجه",
    "نمایندگی", "مدیر مدرسه", "نام کامل مدرسه",
)
SCHOOL_REQUIRED: Final = (SchoolCol.CODE, SchoolCol.NAME)
SCHOOL_GENDER_GIRLS: Final = "دخترانه"
SCHOOL_GENDER_BOYS: Final = "پسرانه"

# --- ManagerReport, 14 columns --------------------------------------------------------------
class ManagerCol:
    AGENCY: Final = "کد نمایندگی"
    STAFF_ID: Final = "کد کارمندی مدیر"
    CODE: Final = "کد مدیر"
    NAME: Final = "نام مدیر"
    GENDER: Final = "جنسیت"
    MOBILE: Final = "موبایل"


MANAGER_COLUMNS: Final[tuple[str, ...]] = (
    "کد نمایندگی", "کد کارمندی مدیر", "کد مدیر", "نام مدیر", "جنسیت", "موبایل",
    "قبلا پشتیبان بود", "عادی", "اموزشگاه", "مدرسه", "شمارنده", "تعداد پشتیبان عادی",
    "تعداد پشتیبان آموزشگاه", "تعداد پشتیبان مدرسه",
)
MANAGER_REQUIRED: Final = (ManagerCol.NAME,)

# --- Crosswalk ------------------------------------------------------------------------------
CROSSWALK_GROUP_SHEET: Final = "پایه تحصیلی (گروه آزمایشی)"
CROSSWALK_SYNONYM_SHEET: Final = "Synonyms"


class CrosswalkCol:
    GROUP_NAME: Final = "گروه آزمایشی"
    GROUP_CODE: Final = "کد گروه"
    STAGE: Final = "مقطع تحصیلی"
    SYN_FROM: Final = "from"
    SYN_TO: Final = "to"


CROSSWALK_COLUMNS: Final = (CrosswalkCol.GROUP_NAME, CrosswalkCol.GROUP_CODE, CrosswalkCol.STAGE)

# --- Student report (Gravity Forms export, `Sabt (5)` layout), 59 columns -------------------
class StudentCol:
    FIND_MENTOR_ROW: Final = "پیدا کردن ردیف پشتیبان از فیلد 141"
    PRIOR_CODE: Final = "کد ثبت نام"  # appears three times
    PRIOR_CODE0: Final = "کد ثبت نام0"
    GROUP: Final = "گروه آزمایشی نهایی"
    GENDER: Final = "جنسیت"
    FINANCE: Final = "وضعیت ثبت نام"
    FOREIGN: Final = "اتباع خارجی"
    NATIONAL_ID: Final = "کدملی"
    NATIONAL_ID_2: Final = "کد ملی"
    FIRST_NAME: Final = "نام"
    LAST_NAME: Final = "نام خانوادگی"
    FATHER_NAME: Final = "نام پدر"
    BIRTH_DATE: Final = "تاریخ تولد"
    EDU_STATUS: Final = "وضعیت تحصیلی"
    VOCATIONAL: Final = "وضعیت هنرستان"
    LANDLINE: Final = "تلفن منزل"
    MOBILE: Final = "تلفن همراه داوطلب"
    GPA: Final = "معدل"
    GPA_TERM: Final = "معدل نیم سال"
    RECEIPT: Final = "شماره قبض"
    POSTAL: Final = "کد پستی"
    EMAIL: Final = "آدرس پست الکترونیک"
    ADDRESS: Final = "آدرس"
    PREV_ALIAS: Final = "کپی کد جایگزین 39"
    SPECIAL: Final = "پشتیبان خاص"
    PROGRESS_EXAM: Final = "آزمون پیشرفت تحصیلی"
    HOMEWORK: Final = "كار در منزل و مجله"  # Arabic ك, as in the real files
    CD_EXAM: Final = "آزمون CD"
    LANGUAGE: Final = "زبان خارجی"
    MINORITY: Final = "اقلیت مذهبی"
    BONYAD_FILE: Final = "شماره پرونده بنیاد شهید"
    BONYAD_KIND: Final = "نوع بنیاد"
    DISCOUNT: Final = "تخفیف"
    HOW_FOUND: Final = "نحوه آشنایی با کانون"
    CONTACT1_REL: Final = "نسبت رابط 1"
    CONTACT1_NAME: Final = "نام رابط 1"
    FATHER_MOBILE: Final = "تلفن همراه پدر"
    CONTACT2_REL: Final = "نسبت رابط 2"
    CONTACT2_NAME: Final = "نام رابط 2"
    MOTHER_MOBILE: Final = "تلفن همراه مادر"
    SCHOOL_CITY: Final = "شهر مدرسه"
    SCHOOL: Final = "مدرسه نهایی"
    CLASS_NO: Final = "شماره کلاس"
    KONKUR_QUOTA: Final = "سهمیه کنکور"
    SEAT_NO: Final = "شماره صندلی"
    REG_DATE: Final = "تاریخ ثبت نام"
    HEKMAT_TRACKING: Final = "کد رهگیری حکمت"
    HEKMAT_PACKAGE: Final = "نوع بسته حکمت"
    PREV_MENTOR: Final = "پشتیبان"
    PAID: Final = "آیا پول به نمایندگی داده یا نه؟"
    SCHOOL_INFO: Final = "مدرسه اطلاع"
    GRADE_INFO: Final = "پایه تحصیلی اطلاع"
    CENTER: Final = "مرکز ثبت نام"
    DATE: Final = "تاریخ"
    FIRST_EXAM_DATE: Final = "تاریخ اولین آزمون"
    TIME: Final = "زمان"
    ENTRY_TIME: Final = "تاریخ ورودی"


STUDENT_COLUMNS: Final[tuple[str, ...]] = (
    "پیدا کردن ردیف پشتیبان از فیلد 141", "کد ثبت نام", "کد ثبت نام", "کد ثبت نام",
    "کد ثبت نام0", "گروه آزمایشی نهایی", "جنسیت", "وضعیت ثبت نام", "اتباع خارجی", "کدملی",
    "نام", "نام خانوادگی", "نام پدر", "تاریخ تولد", "وضعیت تحصیلی", "وضعیت هنرستان",
    "تلفن منزل", "تلفن همراه داوطلب", "معدل", "معدل نیم سال", "شماره قبض", "کد پستی",
    "آدرس پست الکترونیک", "آدرس", "کپی کد جایگزین 39", "پشتیبان خاص", "آزمون پیشرفت تحصیلی",
    "كار در منزل و مجله", "آزمون CD", "زبان خارجی", "اقلیت مذهبی", "شماره پرونده بنیاد شهید",
    "نوع بنیاد", "تخفیف", "نحوه آشنایی با کانون", "نسبت رابط 1", "نام رابط 1", "تلفن همراه پدر",
    "نسبت رابط 2", "نام رابط 2", "تلفن همراه مادر", "شهر مدرسه", "مدرسه نهایی", "شماره کلاس",
    "سهمیه کنکور", "شماره صندلی", "تاریخ ثبت نام", "کد رهگیری حکمت", "نوع بسته حکمت", "پشتیبان",
    "آیا پول به نمایندگی داده یا نه؟", "مدرسه اطلاع", "پایه تحصیلی اطلاع", "مرکز ثبت نام",
    "تاریخ", "تاریخ اولین آزمون", "زمان", "تاریخ ورودی", "کد ملی",
)
STUDENT_SHEET: Final = "Sabt (5)"
# The six join keys come from these columns (D1); the national id from either spelling.
STUDENT_REQUIRED: Final = (
    StudentCol.GROUP, StudentCol.GENDER, StudentCol.EDU_STATUS, StudentCol.CENTER,
    StudentCol.FINANCE, StudentCol.SCHOOL,
)

# --- Roster of existing registration codes -------------------------------------------------
ROSTER_SHEETS: Final = ("شمارنده", "کد ثبت نام")


class RosterCol:
    CODE: Final = "student_id"
    NATIONAL_ID: Final = "کد ملی"


# --- Eligibility matrix (SSoT §10.1, with the capacity columns of the real 0918 matrix) -----
class MatrixCol:
    COUNTER: Final = "counter"
    ALIAS: Final = "جایگزین"
    MENTOR_NAME: Final = "پشتیبان"
    MENTOR_ID: Final = "کد کارمندی پشتیبان"
    MANAGER: Final = "مدیر"
    MENTOR_ROW: Final = "ردیف پشتیبان"
    GROUP_NAME: Final = "نام رشته"
    GROUP: Final = "کدرشته"
    GENDER: Final = "جنسیت"
    STATUS: Final = "دانش آموز فارغ"
    CENTER: Final = "مرکز گلستان صدرا"
    FINANCE: Final = "مالی حکمت بنیاد"
    SCHOOL: Final = "کد مدرسه"
    ROW_KIND: Final = "عادی مدرسه"
    SCHOOL_NAME: Final = "نام مدرسه"
    GENDER_TEXT: Final = "جنسیت2"
    STATUS_TEXT: Final = "دانش آموز فارغ2"
    CENTER_TEXT: Final = "مرکز گلستان صدرا3"
    COVERED: Final = "تعداد داوطلبان تحت پوشش"
    CAPACITY: Final = "تعداد تحت پوشش خاص"
    REMAINING: Final = "remaining_capacity"


MATRIX_COLUMNS: Final[tuple[str, ...]] = (
    MatrixCol.COUNTER, MatrixCol.ALIAS, MatrixCol.MENTOR_NAME, MatrixCol.MENTOR_ID,
    MatrixCol.MANAGER, MatrixCol.MENTOR_ROW, MatrixCol.GROUP_NAME, MatrixCol.GROUP,
    MatrixCol.GENDER, MatrixCol.STATUS, MatrixCol.CENTER, MatrixCol.FINANCE, MatrixCol.SCHOOL,
    MatrixCol.ROW_KIND, MatrixCol.SCHOOL_NAME, MatrixCol.GENDER_TEXT, MatrixCol.STATUS_TEXT,
    MatrixCol.CENTER_TEXT, MatrixCol.COVERED, MatrixCol.CAPACITY, MatrixCol.REMAINING,
)
# The six integer join keys (D1), in policy order.
JOIN_KEYS: Final[tuple[str, ...]] = (
    MatrixCol.GROUP, MatrixCol.GENDER, MatrixCol.STATUS, MatrixCol.CENTER, MatrixCol.FINANCE,
    MatrixCol.SCHOOL,
)
ROW_KIND_NORMAL: Final = "عادی"
ROW_KIND_SCHOOL: Final = "مدرسه\u200cای"

# --- ImportToSabt Sheet2: 46 columns in this exact order (D9 / A.8) -------------------------
SABT_COLUMNS: Final[tuple[str, ...]] = (
    "پشتیبان", "کد ثبت نام", "گروه آزمایشی", "جنسیت", "وضعیت ثبت نام", "اتباع خارجی", "کد ملی",
    "نام", "نام خانوادگی", "نام پدر", "تاری//خ/ /تولد", "وضعیت تحصیلی", "وضعیت هنرستان", "تلفن",
    "تلفن همراه", "معدل", "معدل نیم سال", "شماره قبض", "کد پستی", "آدرس پست الکترونیک", "آدرس",
    "کد پستی جایگزین", "پشتیبان خاص", "آزمون پیشرفت تحصیلی", "كار در منزل و مجله", "آزمون CD",
    "زبان خارجی", "اقلیت مذهبی", "شماره پرونده", "نسبت", "تخفیف", "نحوه آشنایی با کانون",
    "نسبت رابط 1", "نام رابط 1", "تلفن رابط 1", "نسبت رابط 2", "نام رابط 2", "تلفن رابط 2",
    "شهر مدرسه 1", "کد مدرسه 1", "شماره کلاس", "سهمیه کنکور", "شماره صندلی", "تاریخ ثبت نام",
    "کد رهگیری حکمت", "نوع بسته حکمت",
)
SABT_SHEET: Final = "Sheet2"
REASONS_SHEET: Final = "دلایل انتخاب پشتیبان"
REASONS_COLUMNS: Final = (
    "شمارنده", "کدملی", "نام", "نام خانوادگی", "شناسه پشتیبان", "دلیل انتخاب پشتیبان",
)

# Text labels used in matrix helper columns.
GENDER_LABELS: Final = {0: "دختر", 1: "پسر"}
STATUS_LABELS: Final = {1: "دانش\u200cآموز", 0: "فارغ\u200cالتحصیل"}
CENTER_LABELS: Final = {0: "مرکز", 1: "گلستان", 2: "صدرا"}
