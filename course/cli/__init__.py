"""The ``course`` command: set up, check and serve a course."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from course import __version__
from course.cli.optimize_report import Progress, print_report
from course.cli.server import run_gunicorn
from course.clock import SystemClock
from course.content.jsonschema import quiz_schema
from course.errors import ContentInvalid, CourseError
from course.outputs import check_output, write_output
from course.services import backup as backups
from course.services.accounts import create_user
from course.services.audit import Actor
from course.services.authoring import draft_quiz, export_content, import_lesson
from course.services.catalog import list_courses
from course.services.content_sync import Prefer, sync_root, validate_root
from course.services.decks import operator_course_deck
from course.services.exports import review_logs as review_logs_csv
from course.services.interchange import Format, export_quiz, import_file
from course.services.optimize import optimize_course
from course.services.regrade import Request as RegradeRequest
from course.services.regrade import regrade as regrade_quiz
from course.services.setup import initialize
from course.settings import Settings, SettingsError, display_url, from_env, instance_path
from course.store.audit import SYSTEM_CLI
from course.store.engine import (
    StorageProblem,
    is_outage,
    make_engine,
    make_sessionmaker,
    sqlite_path,
)
from course.store.engine import storage_problem as storage_problem_of
from course.store.migrate import upgrade
from course.store.users import Role
from course.web.app import create_app


def _settings() -> Settings:
    try:
        return from_env()
    except SettingsError as exc:
        click.echo(f"course: configuration error: {exc}", err=True)
        sys.exit(2)


def _require_database(database_url: str) -> None:
    """Refuse a SQLite database file that does not exist yet: connecting would create an
    empty one (and the instance folder around it), and the command would then fail on a
    missing table. Only `course init` (or `serve`, `sync`, `db upgrade`) makes one."""
    path = sqlite_path(database_url)
    if path is not None and not path.exists():
        _fail(
            f"there is no database at {path}: run `course init` first to create it, or "
            "point DATABASE_URL (or COURSE_INSTANCE) at the existing one"
        )


@contextmanager
def _database() -> Iterator[Session]:
    """A session on an existing database; errors end the command with one clear line.

    A command that needs a loaded course creates nothing when there is none: neither
    the instance folder with its secret key, nor an empty SQLite file."""
    with _undo_instance_on_failure():
        database_url = _settings().database_url
        _require_database(database_url)
    engine = make_engine(database_url)
    session = make_sessionmaker(engine)()
    try:
        yield session
    except CourseError as exc:
        _fail(exc.message)
    finally:
        session.close()  # hands its connection back, even after a failed statement
        engine.dispose()


@contextmanager
def _undo_instance_on_failure() -> Iterator[None]:
    """Remove what reading the settings created (the COURSE_INSTANCE folder or its
    secret_key) when the command then fails: a refused backup or restore leaves nothing."""
    folder = instance_path()
    had_folder = folder.exists()
    had_key = (folder / "secret_key").exists()
    try:
        yield
    except BaseException:
        if not had_folder:
            shutil.rmtree(folder, ignore_errors=True)
        elif not had_key:
            (folder / "secret_key").unlink(missing_ok=True)
        raise


def _fail(message: str, code: int = 1) -> NoReturn:
    click.echo(f"course: {message}", err=True)
    sys.exit(code)


def _check_output(path: Path, example: str) -> None:
    """Refuse an output path that can never be written before doing the work."""
    try:
        check_output(path, example)
    except CourseError as exc:
        _fail(exc.message)


def _write(path: Path, data: bytes | str, example: str) -> None:
    """Write a command's output file (see course.outputs); a bad path ends the command
    with one line."""
    try:
        write_output(path, data, example)
    except CourseError as exc:
        _fail(exc.message)


def _database_failed(exc: DBAPIError) -> NoReturn:
    """One line for a database error that reached the command line (every command goes
    through here: see _Commands)."""
    lines = str(exc.orig).strip().splitlines() if exc.orig is not None else []
    detail = lines[0] if lines else type(exc).__name__
    problem = storage_problem_of(exc)
    if problem is StorageProblem.READ_ONLY:
        _fail(
            f"the database refuses writes: it is read-only ({detail}). Make it writable "
            "(PostgreSQL: ALTER DATABASE <name> SET default_transaction_read_only = off, "
            "or point DATABASE_URL at the primary, not a standby; SQLite: let this user "
            "write the file and its folder), then run the command again"
        )
    if problem is StorageProblem.DISK_FULL:
        _fail(f"the database's disk is full ({detail}); free space, then run the command again")
    if isinstance(exc, OperationalError) and is_outage(exc):
        _fail(f"cannot reach the database ({detail}); check DATABASE_URL", 2)
    _fail(
        f"the database refused the command ({detail}); check DATABASE_URL, and run "
        "`course init` or `course db upgrade` if its schema is missing or out of date"
    )


class _Commands(click.Group):
    """The ``course`` group: a database error in any command ends it with one line."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DBAPIError as exc:
            _database_failed(exc)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="course")
def main() -> None:
    """course — lessons from articles, YAML quizzes, grading and spaced review.

    Configuration comes from environment variables (DATABASE_URL, SECRET_KEY,
    COURSE_CONTENT, COURSE_INSTANCE, …); see the README.
    """


def _print_init(result: Any) -> None:
    if result.sync is not None:
        for line in result.sync.warnings:  # the first load is a sync: the same warnings
            click.echo(line, err=True)
        click.echo(
            f"Loaded course '{result.sync.course_id}' (content {result.sync.content_hash[:12]})."
        )
    if result.demo_logins:
        click.echo(
            "Demo accounts created (passwords shown this once; never use them in production):"
        )
        for email, password, role in result.demo_logins:
            click.echo(f"  {role.value:<10} {email:<26} password: {password}")
    for email in result.demo_existing:
        click.echo(f"Demo account {email} already exists; its password is not shown again.")


def _initialize(settings: Settings, demo: bool = False) -> None:

    engine = make_engine(settings.database_url)
    session = make_sessionmaker(engine)()
    try:
        result = initialize(engine, session, SystemClock(), settings.content_path, demo=demo)
    except CourseError as exc:
        lines = getattr(exc, "lines", [exc.message])
        _fail("the content root has problems:\n" + "\n".join(lines))
    finally:
        session.close()
        engine.dispose()
    _print_init(result)


@main.command()
@click.option(
    "--demo/--no-demo",
    default=False,
    show_default=True,
    help="Also create a demo instructor and learner (local trials only), printing their "
    "passwords once.",
)
def init(demo: bool) -> None:
    """Create or migrate the database and load the course; no account unless --demo."""
    settings = _settings()
    _initialize(settings, demo=demo)
    click.echo(f"Ready: database {display_url(settings.database_url)}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--workers",
    default=2,
    show_default=True,
    type=click.IntRange(1, 64),
    help="gunicorn worker processes.",
)
@click.option("--dev", is_flag=True, help="Flask's development server with the reloader.")
def serve(host: str, port: int, workers: int, dev: bool) -> None:
    """Serve the app with gunicorn (migrates and loads the course on first start).

    It never creates an account: use `course init --demo` or `course create-user`.
    """
    settings = _settings()
    _initialize(settings, demo=False)
    if dev:
        create_app(settings).run(host=host, port=port, use_reloader=True, debug=False)
        return
    click.echo(f"Serving on http://{host}:{port} with {workers} worker(s)")
    run_gunicorn(host, port, workers)


@main.command()
@click.argument("root", default=None, required=False, type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
def validate(root: Path | None, strict: bool) -> None:
    """Check a content root (default: COURSE_CONTENT); exit 1 listing every problem.

    ROOT may also be a file inside lessons/ or quizzes/: its whole root is checked.
    Warnings follow the errors; they fail the check only with --strict.
    """
    target = root if root is not None else _settings().content_path
    if target.is_file():
        if target.parent.name not in ("lessons", "quizzes"):
            _fail(
                f"{target} is a file; pass the content root folder (the one holding "
                "lessons/ and quizzes/)"
            )
        target = target.parent.parent
    bundle, report = validate_root(target)
    for line in [*report.lines(), *report.warning_lines()]:
        click.echo(line)
    if bundle is None:
        click.echo(f"{len(report.problems)} problem(s) found.", err=True)
        sys.exit(1)
    if strict and report.warnings:
        click.echo(f"{len(report.warnings)} warning(s) found (--strict).", err=True)
        sys.exit(1)
    questions = sum(len(q.questions) for q in bundle.quizzes)
    click.echo(
        f"OK: {len(bundle.lessons)} lesson(s), {len(bundle.quizzes)} quiz(zes), "
        f"{questions} question(s); content {bundle.content_hash[:12]}",
        err=True,
    )


@main.command()
@click.argument("root", default=None, required=False, type=click.Path(path_type=Path))
@click.option(
    "--keep-web",
    is_flag=True,
    help="For files changed both on the web and on disk: keep serving the web version.",
)
@click.option(
    "--take-disk",
    is_flag=True,
    help="For files changed both on the web and on disk: serve the disk file (the web "
    "version stays in the file's history).",
)
def sync(root: Path | None, keep_web: bool, take_disk: bool) -> None:
    """Validate a content root and merge it, file by file, into the served content.

    Files changed on disk since the last sync are taken; web edits of files unchanged on
    disk are kept. A file changed on both sides stops the sync (nothing changes) unless
    --keep-web or --take-disk says which side wins.
    """
    from course.store.migrate import upgrade

    if keep_web and take_disk:
        _fail("choose one of --keep-web and --take-disk", 2)
    prefer = Prefer.WEB if keep_web else Prefer.DISK if take_disk else Prefer.REFUSE
    settings = _settings()
    target = root if root is not None else settings.content_path
    engine = make_engine(settings.database_url)
    session = make_sessionmaker(engine)()
    try:
        upgrade(settings.database_url)
        result = sync_root(session, SystemClock(), target, prefer, SYSTEM_CLI)
    except ContentInvalid as exc:
        for line in exc.lines:
            click.echo(line)
        _fail("nothing was changed; the last good content keeps serving")
    except CourseError as exc:
        _fail(exc.message)
    finally:
        session.close()
        engine.dispose()
    for line in result.warnings:  # as `course validate` shows them; they fail nothing here
        click.echo(line, err=True)
    for path in result.kept_web:
        click.echo(f"Kept the web version of {path}.")
    if not result.changed:
        click.echo(
            f"Unchanged: course '{result.course_id}' already serves {result.content_hash[:12]}."
        )
    else:
        click.echo(
            f"Synced course '{result.course_id}' to {result.content_hash[:12]}: "
            f"{result.added} added, {result.updated} updated, {result.retired} retired."
        )
    if result.drafts:
        click.echo(f"Not published (draft: true): {', '.join(result.drafts)}.")
    if result.warnings:
        click.echo(
            f"{len(result.warnings)} warning(s), listed above: published all the same; "
            "`course validate --strict` fails on them.",
            err=True,
        )


@main.command("export-content")
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
@click.option("--course", "course_id", default=None, help="Course id (default: the only one).")
def export_content_cmd(directory: Path, course_id: str | None) -> None:
    """Write the content a course serves (web edits included) into DIRECTORY, a new or
    empty folder: a content root that `course validate` and `course sync` accept."""
    with _database() as session:
        course = course_id or _only_course(session)
        count = export_content(session, SystemClock(), course, directory)
    click.echo(f"Wrote {count} file(s) of course '{course}' to {directory}")


@main.command("create-user")
@click.argument("email")
@click.option(
    "--role", type=click.Choice([r.value for r in Role]), default="learner", show_default=True
)
@click.option("--name", default="", help="Display name (default: the part before @).")
@click.password_option(help="Password (prompted when not given).")
def create_user_cmd(email: str, role: str, name: str, password: str) -> None:
    """Create an account."""
    with _database() as session:
        account = create_user(session, SystemClock(), email, password, name, Role(role))
    click.echo(f"Created {account.role.value} {account.email}")


@main.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION."""

    settings = _settings()
    upgrade(settings.database_url, revision)
    click.echo(f"Database at {revision}.")


@main.command("backup")
@click.argument("dest", type=click.Path(path_type=Path))
def backup_cmd(dest: Path) -> None:
    """Copy the whole database into DEST while the app keeps running.

    DEST is a new file, or a folder that gets course-YYYYMMDD-HHMMSS.sqlite3 (SQLite,
    through its online backup API) or .pgdump (PostgreSQL, pg_dump's custom format).
    The file is readable by its owner only: it holds password hashes and answers.
    """
    progress = Progress()
    with _undo_instance_on_failure():
        settings = _settings()
        try:
            result = backups.backup(settings.database_url, dest, SystemClock(), progress)
        except CourseError as exc:
            progress.close()
            _fail(exc.message)
        finally:
            progress.close()
    click.echo(
        f"Backed up {display_url(settings.database_url)} to {result.path} ({result.size:,} bytes)."
    )


@main.command("restore")
@click.argument("src", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
def restore_cmd(src: Path, force: bool) -> None:
    """Restore the backup SRC (made by `course backup`) into the configured database,
    then migrate it to this version's schema.

    The database must be empty (a new SQLite file or PostgreSQL database) unless
    --force; stop the app first. A backup from a newer version of course is refused.
    """
    progress = Progress()
    with _undo_instance_on_failure():
        settings = _settings()
        try:
            result = backups.restore(settings.database_url, src, force=force, progress=progress)
        except CourseError as exc:
            progress.close()
            _fail(exc.message)
        finally:
            progress.close()
    rows = sum(result.rows.values())
    click.echo(
        f"Restored {src} into {display_url(settings.database_url)}: {rows:,} rows in "
        f"{len(result.rows)} tables (schema {result.revision})."
    )
    if result.migrated_to:
        click.echo(f"Migrated the schema from {result.revision} to {result.migrated_to}.")


@main.command()
@click.argument("quiz")
@click.option(
    "--course",
    "course_id",
    default=None,
    help="Course id (default: the only course, or the content root's).",
)
@click.option("--question", default=None, help="Only this question id.")
@click.option("--dry-run", is_flag=True, help="Report what would change; store nothing.")
@click.option(
    "--reason",
    default="Regraded after the answer key was corrected.",
    show_default=True,
    help="Why: kept in the audit row of every changed score and shown to learners.",
)
def regrade(
    quiz: str, course_id: str | None, question: str | None, dry_run: bool, reason: str
) -> None:
    """Grade stored answers of QUIZ again with its newest version (after fixing a key).

    Learners' answers are kept as given; each changed score is appended to the audit
    trail (by "system/cli", with REASON).
    """
    request = RegradeRequest(Actor(SYSTEM_CLI), SystemClock().now(), reason)
    with _database() as session:
        course = course_id or _only_course(session)
        report = regrade_quiz(session, course, quiz, question, dry_run, request=request)
    verb = "would change" if dry_run else "changed"
    click.echo(f"Regraded {report.checked} answer(s); {len(report.changes)} score(s) {verb}.")
    for c in report.changes:
        passed = (
            ""
            if c.old_passed == c.new_passed
            else (" — now PASSED" if c.new_passed else " — now NOT passed")
        )
        click.echo(
            f"  {c.email}  attempt {c.attempt_id}  {c.question}: "
            f"{c.old_score:.0%} → {c.new_score:.0%}{passed}"
        )
    if report.unreadable:
        click.echo(
            f"{report.unreadable} answer(s) could not be read by the new version and "
            "were left as they were."
        )


def _only_course(session: Any) -> str:
    courses = list_courses(session)
    if len(courses) != 1:
        _fail("several courses are loaded; name one with --course")
    return courses[0][0]


@main.command("optimize")
@click.option("--course", "course_id", default=None, help="Course id (default: the only one).")
@click.option(
    "--evaluate",
    is_flag=True,
    help="Fit on the earlier reviews and score on the later ones, but store nothing.",
)
def optimize_cmd(course_id: str | None, evaluate: bool) -> None:
    """Fit FSRS parameters to the course's review logs (fsrs-rs) and use them from now on,
    when they predict the latest reviews better than the parameters in use."""
    progress = Progress()
    with _database() as session:
        course = course_id or _only_course(session)
        try:
            report = optimize_course(
                session, SystemClock(), course, evaluate_only=evaluate, progress=progress
            )
        finally:
            progress.close()
    print_report(report)


@main.command("export-reviews")
@click.option("--course", "course_id", default=None, help="Course id (default: the only one).")
@click.option(
    "--output", "-o", type=click.Path(path_type=Path), required=True, help="CSV file to write."
)
def export_reviews(course_id: str | None, output: Path) -> None:
    """Write every review log of a course as CSV (for FSRS tools and your own analysis)."""
    _check_output(output, "reviews.csv")
    with _database() as session:
        data = review_logs_csv(session, course_id or _only_course(session))
    _write(output, data, "reviews.csv")
    count = len(data.splitlines()) - 1
    click.echo(f"Wrote {count} review(s) to {output}")


@main.command("import-article")
@click.argument("source", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option(
    "--root",
    type=click.Path(path_type=Path),
    default=Path("."),
    show_default=True,
    help="Content root; the lesson goes to ROOT/lessons/.",
)
@click.option("--url", default="", help="Address of the original article (for the credit).")
@click.option("--title", default="", help="Override the detected title.")
@click.option("--publisher", default="", help="Override the detected publisher.")
@click.option("--force", is_flag=True, help="Overwrite an existing lesson.")
def import_article_cmd(
    source: Path, root: Path, url: str, title: str, publisher: str, force: bool
) -> None:
    """Turn an article (saved HTML page or plain text) into a lesson draft."""
    try:
        path = import_lesson(source, root, url, title, publisher, force)
    except CourseError as exc:
        _fail(exc.message)
    click.echo(f"Wrote {path}; edit it, then run `course validate`.")


@main.command("draft-quiz")
@click.argument("lesson", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    default=None,
    help="Quiz file to write (default: quizzes/<lesson-id>-draft.yaml).",
)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.option(
    "--limit",
    default=0,
    show_default=True,
    type=click.IntRange(0, 500),
    help="Keep at most this many questions, in the lesson's order (0: every one).",
)
def draft_quiz_cmd(lesson: Path, output: Path | None, force: bool, limit: int) -> None:
    """Propose quiz questions from a lesson's dates, quantities and names.

    Each question comes with examples that pass and a `# why:` comment; the file
    validates. Keep the questions worth asking and reword their prompts.
    """
    try:
        result = draft_quiz(lesson, output, force, limit)
    except CourseError as exc:
        _fail(exc.message)
    click.echo(f"Wrote {result.path}: {result.questions} draft question(s) to edit.")


@main.command()
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    default=None,
    help="File to write (default: standard output).",
)
def schema(output: Path | None) -> None:
    """Write the JSON Schema of the quiz format (for editor autocompletion)."""

    text = json.dumps(quiz_schema(), indent=2, ensure_ascii=False) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        _write(output, text, "quiz.schema.json")
        click.echo(f"Wrote {output}", err=True)


def _import_cmd(
    fmt: Format,
    source: Path,
    root: Path,
    quiz_id: str | None,
    lesson: str | None,
    title: str | None,
    force: bool,
    dry_run: bool,
) -> None:
    try:
        result = import_file(
            source,
            root,
            fmt,
            quiz_id=quiz_id,
            lesson=lesson,
            title=title,
            force=force,
            dry_run=dry_run,
        )
    except CourseError as exc:
        _fail(exc.message)
    click.echo(result.conversion.report())
    if result.quiz_path is None:
        click.echo("Dry run: nothing written.", err=True)
        return
    click.echo(f"Wrote {result.quiz_path} (lesson '{result.lesson}').")
    for path in result.media:
        click.echo(f"Wrote {path}")
    if result.validation:
        for line in result.validation:
            click.echo(line)
        _fail("the content root has problems (listed above); fix them, then `course validate`")


def _import_options(func: Any) -> Any:
    func = click.option("--dry-run", is_flag=True, help="Print the report; write nothing.")(func)
    func = click.option("--force", is_flag=True, help="Overwrite an existing quiz file.")(func)
    func = click.option("--title", default=None, help="Quiz title (default: the file name).")(func)
    func = click.option(
        "--lesson", default=None, help="Lesson the quiz belongs to (default: the only lesson)."
    )(func)
    func = click.option(
        "--quiz", "quiz_id", default=None, help="Quiz id (default: the file name as a slug)."
    )(func)
    func = click.option(
        "--root",
        type=click.Path(path_type=Path, file_okay=False),
        default=Path("."),
        show_default=True,
        help="Content root; the quiz goes to ROOT/quizzes/, images to ROOT/media/.",
    )(func)
    return click.argument("source", type=click.Path(path_type=Path, exists=True, dir_okay=False))(
        func
    )


@main.command("import-gift")
@_import_options
def import_gift_cmd(
    source: Path,
    root: Path,
    quiz_id: str | None,
    lesson: str | None,
    title: str | None,
    force: bool,
    dry_run: bool,
) -> None:
    """Convert a Moodle GIFT file into a quiz; prints what was kept, approximated, dropped."""
    _import_cmd(Format.GIFT, source, root, quiz_id, lesson, title, force, dry_run)


@main.command("import-moodle-xml")
@_import_options
def import_moodle_xml_cmd(
    source: Path,
    root: Path,
    quiz_id: str | None,
    lesson: str | None,
    title: str | None,
    force: bool,
    dry_run: bool,
) -> None:
    """Convert a Moodle XML question export into a quiz, with the same report."""
    _import_cmd(Format.MOODLE_XML, source, root, quiz_id, lesson, title, force, dry_run)


def _export_cmd(fmt: Format, quiz_id: str, root: Path, output: Path | None) -> None:
    example = f"{quiz_id}.{'gift' if fmt is Format.GIFT else 'xml'}"
    if output is not None:
        _check_output(output, example)
    try:
        result = export_quiz(root, quiz_id, fmt)
    except CourseError as exc:
        _fail(exc.message)
    if output is None:
        click.echo(result.text, nl=False)
    else:
        _write(output, result.text, example)
        click.echo(f"Wrote {output}", err=True)
    click.echo(result.report(), err=True)


_EXPORT_ROOT = click.option(
    "--root",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("."),
    show_default=True,
    help="Content root holding the quiz.",
)
_EXPORT_OUTPUT = click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    default=None,
    help="File to write (default: standard output).",
)


@main.command("export-gift")
@click.argument("quiz")
@_EXPORT_ROOT
@_EXPORT_OUTPUT
def export_gift_cmd(quiz: str, root: Path, output: Path | None) -> None:
    """Write a quiz as GIFT; lists on stderr what GIFT cannot carry."""
    _export_cmd(Format.GIFT, quiz, root, output)


@main.command("export-moodle-xml")
@click.argument("quiz")
@_EXPORT_ROOT
@_EXPORT_OUTPUT
def export_moodle_xml_cmd(quiz: str, root: Path, output: Path | None) -> None:
    """Write a quiz as Moodle XML; lists on stderr what it cannot carry."""
    _export_cmd(Format.MOODLE_XML, quiz, root, output)


@main.command("export-anki")
@click.option("--course", "course_id", default=None, help="Course id (default: the only one).")
@click.option(
    "--output", "-o", type=click.Path(path_type=Path), required=True, help=".apkg file to write."
)
@click.option(
    "--base-url",
    default="http://127.0.0.1:5000/",
    show_default=True,
    help="Address of the site, for the 'review this' links on the cards.",
)
def export_anki(course_id: str | None, output: Path, base_url: str) -> None:
    """Write every current question of a course as an Anki deck (.apkg)."""
    _check_output(output, "course.apkg")
    with _database() as session:
        deck = operator_course_deck(session, course_id or _only_course(session), base_url)
    _write(output, deck.data, "course.apkg")
    click.echo(f"Wrote {deck.notes} note(s) to {output}")
