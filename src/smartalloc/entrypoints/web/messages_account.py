"""Words of the account pages (issue J: the first start's one-time password, choosing one's
own) and of the mentors page's confirmation, undo and pages, in the operators' Persian and in
English; merged into ``i18n.MESSAGES``."""

from __future__ import annotations

ACCOUNT_MESSAGES: dict[str, dict[str, str]] = {
    "fa": {
        "pw.title": "گذرواژهٔ تازه",
        "pw.first": "با گذرواژهٔ یک‌بارمصرف وارد شده‌اید. پیش از هر کاری گذرواژهٔ خودتان را بگذارید.",
        "pw.current": "گذرواژهٔ کنونی", "pw.new": "گذرواژهٔ تازه", "pw.again": "تکرار گذرواژهٔ تازه",
        "pw.rule": "دست‌کم ۱۲ نویسه؛ چند واژهٔ نامرتبط بهتر از یک واژه با عدد است.",
        "pw.submit": "ذخیرهٔ گذرواژه", "pw.changed": "گذرواژهٔ شما عوض شد.",
        "nav.password": "گذرواژه",
        "mentors.confirm.title": "تأیید تغییر وضعیت پشتیبان",
        "mentors.confirm.ask": "آیا «{action}» برای پشتیبان «{name}» (شناسه {id}) انجام شود؟",
        "mentors.confirm.yes": "بله، {action}", "mentors.confirm.no": "انصراف",
        "mentors.undo": "بازگرداندن این تغییر",
        "mentors.undo_reason": "بازگرداندن تغییر قبلی از صفحهٔ پشتیبان‌ها",
        "run.id": "شناسهٔ اجرا", "hist.policy_version": "نسخهٔ {v}", "pager.label": "صفحه‌ها", "pager.prev": "صفحهٔ قبل", "pager.next": "صفحهٔ بعد",
        "pager.page": "صفحهٔ {n} از {of}", "pager.showing": "ردیف {a} تا {b} از {n}",
    },
    "en": {
        "pw.title": "New password",
        "pw.first": "You signed in with a one-time password. Choose your own before anything else.",
        "pw.current": "Current password", "pw.new": "New password",
        "pw.again": "New password again",
        "pw.rule": "At least 12 characters; several unrelated words beat one word and a number.",
        "pw.submit": "Save password", "pw.changed": "Your password was changed.",
        "nav.password": "Password",
        "mentors.confirm.title": "Confirm the status change",
        "mentors.confirm.ask": "{action} mentor “{name}” (id {id})?",
        "mentors.confirm.yes": "Yes, {action}", "mentors.confirm.no": "Cancel",
        "mentors.undo": "Undo this change",
        "mentors.undo_reason": "undoing the previous change from the mentors page",
        "run.id": "run id", "hist.policy_version": "version {v}", "pager.label": "Pages", "pager.prev": "Previous page", "pager.next": "Next page",
        "pager.page": "page {n} of {of}", "pager.showing": "rows {a}–{b} of {n}",
    },
}
