"""Invented, generic Persian name lists (C.9): no value comes from a real Kanoon file.

The lists are short on purpose; combinations give enough variety and repeated names are
realistic (real batches repeat first names often).
"""

from __future__ import annotations

import random

GIRL_NAMES = (
    "مریم", "زهرا", "فاطمه", "سارا", "نرگس", "الهام", "مهسا", "نازنین", "هانیه", "پریسا",
    "سمیرا", "شیما", "آزاده", "رویا", "مینا", "نیلوفر", "یاسمن", "ترانه", "بهاره", "کوثر",
    "ریحانه", "محدثه", "آیدا", "هستی", "ستایش", "غزل", "رها", "پرنیا", "مبینا", "النا",
)
BOY_NAMES = (
    "علی", "محمد", "حسین", "رضا", "مهدی", "امیر", "سینا", "آرش", "پارسا", "کیان",
    "امید", "حامد", "مجید", "سعید", "بهزاد", "نوید", "یاسین", "عرفان", "متین", "پویا",
    "سجاد", "مصطفی", "رامین", "کامران", "دانیال", "آرمان", "ایلیا", "طاها", "بردیا", "هومن",
)
SURNAMES = (
    "احمدی", "کریمی", "رضایی", "موسوی", "حسینی", "جعفری", "صادقی", "رحیمی", "نوری", "کاظمی",
    "مرادی", "قاسمی", "عباسی", "شریفی", "یوسفی", "باقری", "زارعی", "فرهادی", "نیک‌نام", "امینی",
    "سلیمانی", "طاهری", "اکبری", "بهرامی", "نجفی", "پورمحمد", "شکوهی", "دهقان", "فلاحی", "روشن",
    "کوهستانی", "آزادگان", "بهاری", "مهرآیین", "نیک‌پور", "رستگار", "خوش‌نیت", "پاکزاد",
)
# School / venue name stems: neutral words and virtues, never a real school list.
SCHOOL_STEMS = (
    "دانش", "فرهنگ", "اندیشه", "مهر", "امید", "نور", "پیام", "سپیده", "فردوس", "ارغوان",
    "بهار", "آفتاب", "ستاره", "نسیم", "کوثر", "پویش", "رویش", "فرزانگان", "دانشوران", "سرو",
    "نیایش", "آینده", "روشنا", "افق", "مهرگان", "سپهر", "نگین", "آرمان", "بصیرت", "شکوفه",
    "ایثار", "صبا", "فجر", "هدایت", "معرفت", "یاس", "لاله", "نرگس", "ابتکار", "نوآوران",
)
STREETS = (
    "خیابان بهار", "بلوار امید", "کوچه ارغوان", "خیابان سرو", "بلوار نسیم", "خیابان آفتاب",
    "کوچه لاله", "خیابان فردوس", "بلوار سپهر", "خیابان نیایش",
)


def person(rng: random.Random, gender: int) -> tuple[str, str]:
    """(first name, surname); about 5 % get a two-token first name (C.6)."""
    pool = BOY_NAMES if gender == 1 else GIRL_NAMES
    first = rng.choice(pool)
    if rng.random() < 0.05:
        first = f"{first} {rng.choice(pool)}"
    return first, rng.choice(SURNAMES)


def full_name(rng: random.Random, gender: int) -> str:
    first, last = person(rng, gender)
    return f"{first} {last}"
