"""Words of a running job's sub-steps and elapsed time (issue J: progress that moves), in the
operators' Persian and in English, and the results page's table pages; merged into
``i18n.MESSAGES``. A step names what the stage
is doing with its counts: «خواندن گزارش دانش‌آموزان: ۱۰۰٬۰۰۰ ردیف», «نوشتن فایل‌ها: ۳ از ۶»."""

from __future__ import annotations

PROGRESS_MESSAGES: dict[str, dict[str, str]] = {
    "fa": {
        "job.elapsed": "زمان سپری‌شده",
        "report.inspactor": "گزارش پشتیبان‌ها", "report.schools": "گزارش مدارس",
        "report.students": "گزارش دانش‌آموزان", "report.managers": "گزارش مدیران",
        "report.crosswalk": "جدول تطبیق", "report.roster": "فهرست سوابق",
        "step.report": "خواندن {report} (فایل {k} از {n})",
        "step.sheet": "خواندن {report}: فایل بررسی شد، خواندن برگه",
        "step.rows": "خواندن {report}: {rows} ردیف",
        "step.history": "ثبت در سوابق: بخش {done} از {total}",
        "step.history.start": "ثبت در سوابق",
        "step.files": "نوشتن فایل‌ها: {done} از {total}",
        "step.file": "نوشتن فایل‌ها: {done} از {total} (آخرین: {item})",
        "step.trace": "آماده‌سازی توضیح تصمیم‌ها: بخش {done} از {total}",
        "step.combos": "ذخیرهٔ نامزدهای هر ترکیب کلیدها: {done} از {total}",
        "step.explain": "ذخیرهٔ توضیح دانش‌آموزان: {done} از {total}",
        "step.search_index": "ساخت نمایهٔ جست‌وجوی نام‌ها: {done} از {total}",
        # the results page's long tables, a page at a time
        "res.pages": "صفحه‌های جدول", "res.page": "صفحهٔ {page} از {pages} ({total} ردیف)",
        "res.prev": "صفحهٔ قبل", "res.next": "صفحهٔ بعد",
    },
    "en": {
        "job.elapsed": "elapsed",
        "report.inspactor": "mentor report", "report.schools": "school report",
        "report.students": "student report", "report.managers": "manager report",
        "report.crosswalk": "crosswalk", "report.roster": "roster",
        "step.report": "reading the {report} (file {k} of {n})",
        "step.sheet": "reading the {report}: file checked, reading its sheet",
        "step.rows": "reading the {report}: {rows} rows",
        "step.history": "recording history: part {done} of {total}",
        "step.history.start": "recording history",
        "step.files": "writing files: {done} of {total}",
        "step.file": "writing files: {done} of {total} (last: {item})",
        "step.trace": "preparing the explanations: part {done} of {total}",
        "step.combos": "keeping each key combination's candidates: {done} of {total}",
        "step.explain": "keeping the students' explanations: {done} of {total}",
        "step.search_index": "indexing names for search: {done} of {total}",
        "res.pages": "table pages", "res.page": "page {page} of {pages} ({total} rows)",
        "res.prev": "previous page", "res.next": "next page",
    },
}
