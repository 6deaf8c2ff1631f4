"""Words of a run's what-if tab (issue M), in the operators' Persian and in English; merged into
``i18n.MESSAGES``. Every heading says it is a what-if: nothing on the tab is a decision."""

from __future__ import annotations

WHATIF_MESSAGES: dict[str, dict[str, str]] = {
    "fa": {
        "tab.result": "نتیجهٔ تخصیص", "tab.whatif": "فرضی: تخصیص بهینه",
        "tabs": "بخش‌های این اجرا",
        "wi.title": "فرضی: اگر ترتیب دانش‌آموزان مهم نبود",
        "wi.label": "این یک محاسبهٔ فرضی است، نه تصمیم: نتیجهٔ تخصیص، فایل‌های اکسل و سوابق تغییری نمی‌کنند.",
        "wi.why": "تخصیص، دانش‌آموزان را به ترتیب گزارش پیش می‌برد و هر کدام را به بهترین پشتیبانِ دارای ظرفیت "
                  "می‌دهد؛ گاهی دانش‌آموزی که گزینهٔ دیگری هم داشت، آخرین ظرفیت تنها پشتیبانِ دانش‌آموز بعدی را "
                  "می‌گیرد. این محاسبه با همان پشتیبان‌ها، همان شرایط و همان ظرفیت‌ها، بیشترین تعداد ممکن را "
                  "حساب می‌کند.",
        "wi.start": "محاسبهٔ فرضی", "wi.retry": "محاسبهٔ دوباره",
        "wi.none": "برای این اجرا هنوز محاسبهٔ فرضی انجام نشده است.",
        "wi.no_right": "محاسبهٔ فرضی را کارشناس یا مدیر سامانه آغاز می‌کند.",
        "wi.failed": "محاسبهٔ فرضی ناموفق بود",
        "wi.competing": "دانش‌آموزان نیازمند پشتیبان", "wi.policy": "جای‌گرفته در تخصیص",
        "wi.optimum": "جای‌گرفته در حالت بهینه", "wi.gain": "دانش‌آموز بیشتر",
        "wi.equal": "تخصیص همان تعدادی را جا داده است که حالت بهینه جا می‌دهد؛ ترتیب دانش‌آموزان "
                    "هزینه‌ای نداشته است.",
        "wi.combos": "ترکیب‌هایی که حالت بهینه دانش‌آموز بیشتری از آن‌ها جا می‌دهد",
        "wi.mentors": "پشتیبان‌هایی که ظرفیتشان به دانش‌آموزانِ دارای گزینهٔ دیگر رسید",
        "wi.reservations": "پیشنهاد: این ظرفیت‌ها را برای این ترکیب‌ها نگه دارید",
        "wi.students": "دانش‌آموز", "wi.by_policy": "در تخصیص", "wi.by_optimum": "در حالت بهینه",
        "wi.seats": "ظرفیت خالی پیش از اجرا", "wi.spent": "ظرفیت داده‌شده به دارندگان گزینهٔ دیگر",
        "wi.given": "ظرفیت لازم در حالت بهینه", "wi.reserve": "تعداد ظرفیت",
        "stage.whatif": "محاسبهٔ حالت بهینه",
    },
    "en": {
        "tab.result": "Allocation result", "tab.whatif": "What-if: optimal allocation",
        "tabs": "Parts of this run",
        "wi.title": "What-if: if the order of students did not matter",
        "wi.label": "This is a what-if, not a decision: the allocation, its workbooks and the history do not change.",
        "wi.why": "The allocation takes students in report order, each to the best-ranked mentor with a "
                  "free seat; a student who had other options can take the last seat of the only "
                  "mentor a later student had. This counts the most students the same mentors, rules "
                  "and seats could place.",
        "wi.start": "Compute the what-if", "wi.retry": "Compute again",
        "wi.none": "No what-if has been computed for this run yet.",
        "wi.no_right": "An operator or an administrator starts the what-if.",
        "wi.failed": "The what-if failed",
        "wi.competing": "Students needing a mentor", "wi.policy": "Placed by the allocation",
        "wi.optimum": "Placed by the optimum", "wi.gain": "More students",
        "wi.equal": "The allocation placed as many students as the optimum would: the order cost nothing.",
        "wi.combos": "Combinations the optimum places more students of",
        "wi.mentors": "Mentors whose seats went to students who had other options",
        "wi.reservations": "Suggestion: keep these seats for these combinations",
        "wi.students": "Students", "wi.by_policy": "allocation", "wi.by_optimum": "optimum",
        "wi.seats": "Free seats before the run", "wi.spent": "Seats given to students with other options",
        "wi.given": "Seats the optimum needs", "wi.reserve": "Seats",
        "stage.whatif": "computing the optimum",
    },
}
