"""Persian selection reasons (FR-40, sheet «دلایل انتخاب پشتیبان») built from fixed segments."""

from __future__ import annotations

from smartalloc.domain import glossary
from smartalloc.domain.decision import Decision, Outcome
from smartalloc.domain.glossary import labels_fa
from smartalloc.domain.ranking import RULE_LABELS_FA

CHANNEL_LABELS_FA = labels_fa(glossary.CHANNELS)


def selection_reason(decision: Decision) -> str:
    """Why this mentor: how many candidates were left, the winner's load, and the rule that
    separated it from the runner-up. One text built in one go: a run writes one per allocated
    student (issue P)."""
    if decision.outcome is not Outcome.ALLOCATED:
        return decision.reason_fa
    candidates = decision.stage_counts[-1] if decision.stage_counts else 0
    kind = "ردیف مدرسه‌ای" if decision.is_school_row else "ردیف عادی"
    if decision.runner_up_id:
        rule = RULE_LABELS_FA.get(decision.decided_by, decision.decided_by)
        edge = f"برتری بر {decision.runner_up_id} با معیار «{rule}»"
    else:
        edge = "تنها نامزد موجود"
    text = (f"کانال {CHANNEL_LABELS_FA.get(decision.channel, decision.channel)}؛ "
            f"{candidates} پشتیبان واجد شرایط با ظرفیت؛ "
            f"انتخاب {decision.mentor_id} ({kind}، جایگزین {decision.alias})؛ "
            f"نسبت اشغال پیش از تخصیص {decision.occupancy_before:.3f}؛ "
            f"تخصیص جدید پیش از این {decision.allocations_before}؛ {edge}")
    return f"{text}؛ کد ثبت نام قبلی حفظ شد" if decision.code_reused else text
