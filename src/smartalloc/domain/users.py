"""Who may use the service: the roles and what a new account must satisfy. The store keeps
accounts (and their password hashes); these rules decide what it is given."""

from __future__ import annotations

from dataclasses import dataclass

from smartalloc.domain.errors import InputError, Location, Problem

ROLES = ("admin", "operator", "viewer")
FIRST_ADMIN = "admin"   # the account the service's first start makes

# Roles by data (issue I): students' personal data — national ids, names, phones, codes, each
# student's decision — is for the roles that work with it. A viewer sees how a run went
# (counts, occupancy, unallocated combinations, capacity plan, what-if), the mentors and their
# audit trail, and the matrix; never a student. docs/security.md has the whole matrix.
PERSONAL = "personal:read"
# Manual review (issue K): assign, move or release a student, audited — the operator's work;
# going outside the student's matrix rows (an exception) is the administrator's alone.
REVIEW = "review:write"
REVIEW_EXCEPTION = "review:exception"
SCOPES: dict[str, frozenset[str]] = {
    "admin": frozenset({"alloc:run", "import", "report:read", PERSONAL, "mentors:write",
                        "users:admin", REVIEW, REVIEW_EXCEPTION}),
    "operator": frozenset({"alloc:run", "import", "report:read", PERSONAL, REVIEW}),
    "viewer": frozenset({"report:read"}),
}
# The run's workbooks that name students (the matrix names mentors and schools only).
PERSONAL_WORKBOOKS = frozenset({"sabt", "allocation", "qa"})


def scope_for_workbook(kind: str) -> str:
    return PERSONAL if kind in PERSONAL_WORKBOOKS else "report:read"
MIN_PASSWORD = 12
MIN_STRENGTH = 3     # zxcvbn's score, 0–4


@dataclass(frozen=True)
class UserView:
    username: str
    role: str
    active: bool
    must_change: bool = False   # signed in with a one-time password: choose one first


def _problem(code: str, fa: str, en: str, column: str) -> InputError:
    return InputError(Problem(code, fa, en, Location(column=column)))


def check_new_user(username: str, password: str, role: str) -> None:
    """A new account needs a known role and a password that resists guessing: at least
    ``MIN_PASSWORD`` characters and not a common, breached or derived one (``password_weakness``)."""
    if role not in ROLES:
        raise _problem("USER_ROLE", f"نقش نامعتبر: {role}", f"unknown role: {role}", "--role")
    if not username.strip():
        raise _problem("USER_NAME", "نام کاربری خالی است", "the username is empty", "username")
    check_new_password(username, password)


def check_new_password(username: str, password: str, *, current: str | None = None) -> None:
    if current is not None and password == current:
        raise _problem("USER_PASSWORD_SAME", "گذرواژهٔ تازه باید با گذرواژهٔ کنونی فرق کند",
                       "the new password must differ from the current one", "password")
    if (why := password_weakness(username, password)) is not None:
        raise _problem("USER_PASSWORD", f"گذرواژه پذیرفته نشد: {why[0]}",
                       f"the password is refused: {why[1]}", "password")


def password_weakness(username: str, password: str) -> tuple[str, str] | None:
    """Why a password is too easy to guess (Persian, English), or None. zxcvbn (the Dropbox
    estimator) ships the lists of common and breached passwords, names and words, and sees
    keyboard patterns, dates, repeats and the username in it; ``MIN_STRENGTH`` (3) means
    about 10⁸ guesses — beyond an online attack with the per-account throttle."""
    from zxcvbn import zxcvbn  # its word lists load in ~30 ms: only when a password is set

    if len(password) < MIN_PASSWORD:
        return (f"دست‌کم {MIN_PASSWORD} نویسه لازم است",
                f"it needs at least {MIN_PASSWORD} characters")
    if zxcvbn(password[:100], user_inputs=[username, "smartalloc", "kanoon"])["score"] \
            < MIN_STRENGTH:
        return ("بسیار رایج یا حدس‌زدنی است (فهرست گذرواژه‌های رایج و لو رفته، الگوی صفحه‌کلید، "
                "تاریخ، تکرار یا نام کاربری)؛ چند واژهٔ نامرتبط یا نویسه‌های تصادفی به کار ببرید",
                "it is common or guessable (a common or breached password, a keyboard pattern, "
                "a date, a repeat or the username); use several unrelated words or random "
                "characters")
    return None


def user_exists(username: str) -> InputError:
    return _problem("USER_EXISTS", f"کاربر «{username}» وجود دارد",
                    f"user '{username}' already exists", "username")


def wrong_password() -> InputError:
    return _problem("USER_PASSWORD_WRONG", "گذرواژهٔ کنونی درست نیست",
                    "the current password is not right", "current_password")


def unknown_user(username: str) -> InputError:
    return _problem("USER_UNKNOWN", f"کاربر «{username}» وجود ندارد", f"no user '{username}'",
                    "username")
