"""The pages' words chosen by a code at run time — a job's state, a run stage, a role, a
permission, a governance action, a download, an upload slot, a progress step, an HTTP status.

gettext's extractor sees only literal strings, so ``_('state.' + code)`` would hide every
state from the translator. The convention (``gettext_noop``) is a table of marked literals:
``N_`` marks a message id for extraction and returns it untouched; the page translates it when
it shows it (``word(family, code)``). Domain codes (failure classes, mentor statuses,
outcomes, centres) are the glossary's (``domain.glossary``), not these tables.
"""

from __future__ import annotations

from collections.abc import Mapping


def N_(message: str) -> str:
    """gettext's no-op marker (``gettext_noop``): extracted, translated where shown."""
    return message


STATES = {"queued": N_("queued"), "running": N_("running"), "succeeded": N_("succeeded"),
          "failed": N_("failed")}
STAGES = {"queued": N_("queued"), "read": N_("reading files"),
          "matrix": N_("building the matrix"), "allocate": N_("allocating"),
          "reports": N_("reports"), "write": N_("writing workbooks"),
          "history": N_("recording history"), "done": N_("done"),
          "whatif": N_("computing the optimum")}
ROLES = {"admin": N_("administrator"), "operator": N_("operator"), "viewer": N_("viewer")}
SCOPES = {"alloc:run": N_("run allocations"), "import": N_("upload files"),
          "report:read": N_("read reports"), "personal:read": N_("see students' data"),
          "mentors:write": N_("govern mentors"), "users:admin": N_("manage users"),
          "review:write": N_("review allocations"),
          "review:exception": N_("allocate outside the matrix")}
ACTIONS = {"freeze": N_("Freeze"), "activate": N_("Activate"), "restrict": N_("Restrict")}
DOWNLOADS = {"sabt": N_("ImportToSabt"), "allocation": N_("Allocation workbook"),
             "qa": N_("QA workbook"), "matrix": N_("Eligibility matrix")}
# An upload slot's label on the run page, and the same report in running text (progress).
SLOTS = {"inspactor": N_("Mentor report (InspactorReport)"),
         "schools": N_("School report (SchoolReport)"),
         "students": N_("Student report (StudentReport)"),
         "managers": N_("Manager report (ManagerReport)"),
         "crosswalk": N_("Crosswalk"), "roster": N_("Roster")}
REPORTS = {"inspactor": N_("mentor report"), "schools": N_("school report"),
           "students": N_("student report"), "managers": N_("manager report"),
           "crosswalk": N_("crosswalk"), "roster": N_("roster")}
CENTRE_HOW = {"map": N_("set"), "default": N_("default centre"), "unresolved": N_("not set")}
# A step inside a stage with its counts (``service_layer.progress``).
STEPS = {"history": N_("recording history: part %(done)s of %(total)s"),
         "files": N_("writing files: %(done)s of %(total)s"),
         "file": N_("writing files: %(done)s of %(total)s (last: %(item)s)"),
         "trace": N_("preparing the explanations: part %(done)s of %(total)s"),
         "combos": N_("keeping each key combination's candidates: %(done)s of %(total)s"),
         "explain": N_("keeping the students' explanations: %(done)s of %(total)s"),
         "search_index": N_("indexing names for search: %(done)s of %(total)s")}
# Manual review (issue K): the actions (why a student is listed: ``domain.review_list.KINDS``).
REVIEW_ACTIONS = {"assign": N_("Assign"), "move": N_("Move"), "release": N_("Release"),
                  "flag": N_("Flag"), "unflag": N_("Remove the flag")}
HTTP_ERRORS = {400: N_("The request cannot be carried out."),
               401: N_("Please sign in to continue."),
               403: N_("You are not allowed to do this."),
               404: N_("What you asked for was not found."),
               409: N_("This conflicts with the current state."),
               413: N_("The file is too large."),
               415: N_("Only .xlsx Excel workbooks are accepted."),
               422: N_("The data is not valid; fix the items below."),
               429: N_("Too many requests; wait a moment and try again."),
               500: N_("An internal error occurred. Give the correlation id to support."),
               503: N_("The service is temporarily unavailable; try again shortly.")}
OTHER_ERROR = N_("An error occurred.")

FAMILIES: Mapping[str, Mapping] = {
    "state": STATES, "stage": STAGES, "role": ROLES, "scope": SCOPES, "action": ACTIONS,
    "download": DOWNLOADS, "slot": SLOTS, "report": REPORTS, "centre_how": CENTRE_HOW,
    "review": REVIEW_ACTIONS,
}


def message_id(family: str, code: object) -> str:
    """The message id of ``code`` in ``family``; the code itself when the table does not know
    it (a new code shows, it is never hidden — as the glossary does)."""
    return FAMILIES[family].get(code, str(code))
