"""Learners' data out: one list of what is stored, shared by export and deletion; the
JSON and FSRS-layout CSV downloads; the class export; access rules."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from itertools import pairwise

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.services import accounts, classes, personal_data
from course.services.personal_data import FSRS_COLUMNS, HOLDINGS
from course.store.audit import ScoreChange
from course.store.base import Base
from course.store.models import Base as AllTables
from course.store.users import Role
from tests.factories import (
    PASSWORD,
    AuthActions,
    make_class,
    make_instructor,
    make_learner,
    take_quiz,
)

assert Base is AllTables  # importing course.store.models fills the metadata


def user_links() -> set[tuple[str, str]]:
    """(table, column) of every column that refers to a user."""
    found = set()
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            refers = any(fk.column.table.name == "users" for fk in column.foreign_keys)
            if refers or column.name == "user_id" or (table.name == "users" and column.primary_key):
                found.add((table.name, column.name))
    return found


def test_every_table_that_refers_to_a_user_is_listed() -> None:
    listed = {(h.model.__tablename__, h.column) for h in HOLDINGS}
    assert user_links() <= listed, user_links() - listed


def test_every_table_below_a_listed_table_is_listed() -> None:
    """Rows that hang off a user's rows (responses off attempts, logs off cards, …)."""
    listed_tables = {h.model.__tablename__ for h in HOLDINGS}
    for table in Base.metadata.sorted_tables:
        parents = {fk.column.table.name for c in table.columns for fk in c.foreign_keys}
        if parents & listed_tables:
            assert table.name in listed_tables, (table.name, parents & listed_tables)


def seeded(session: Session, clock: FixedClock) -> tuple[int, int, int]:
    """A learner with attempts, review cards and logs in a class; their instructor."""
    teacher = make_instructor(session, clock)
    learner = make_learner(session, clock)
    class_id, code = make_class(session, clock, teacher)
    classes.join(session, clock, learner, code)
    take_quiz(session, clock, learner.id, wrong=["north-of-japan"])
    return learner.id, teacher.id, class_id


def test_export_holds_every_listed_kind_and_no_secret(
    session: Session, clock: FixedClock, synced: None
) -> None:
    learner_id, _, _ = seeded(session, clock)
    learner = personal_data.Actor(learner_id, Role.LEARNER)
    data = personal_data.user_data(session, clock, learner)
    assert {h.name for h in HOLDINGS} <= data.keys()
    assert data["profile"][0]["email"] == "learner@example.org"
    assert data["attempts"] and data["responses"] and data["review_logs"] and data["review_cards"]
    assert len(data["class_memberships"]) == 1
    assert data["secrets_left_out"] == ["logins.token_hash", "profile.password_hash"]
    assert "password_hash" not in data["profile"][0]
    assert all("token_hash" not in row for row in data["logins"])
    assert "$argon2" not in json.dumps(data)


def test_review_csv_is_in_the_fsrs_optimizer_layout(
    session: Session, clock: FixedClock, synced: None
) -> None:
    learner_id, _, _ = seeded(session, clock)
    clock.advance(timedelta(days=2))
    take_quiz(session, clock, learner_id)  # a second review of every card
    data = personal_data.user_review_csv(session, personal_data.Actor(learner_id, Role.LEARNER))
    rows = list(csv.reader(io.StringIO(data.decode())))
    assert rows[0] == FSRS_COLUMNS
    assert len(rows) > 1
    _card, at, rating, state, _duration = rows[1]
    assert int(at) > 1_700_000_000_000 and rating in {"1", "2", "3", "4"} and state == "0"
    # Later reviews of a card carry the state the card was in (1–3), never a blank.
    later = [r for prev, r in pairwise(rows[1:]) if r[0] == prev[0]]
    assert later and all(r[3] in {"1", "2", "3"} for r in later)


def test_account_deletion_leaves_nothing_listed(
    session: Session, clock: FixedClock, synced: None
) -> None:
    learner_id, teacher_id, _ = seeded(session, clock)
    for user_id in (learner_id, teacher_id):
        accounts.delete_account(session, clock, user_id, PASSWORD)
        with session.begin():
            for holding in HOLDINGS:
                where = holding.owner(user_id)
                left = session.execute(select(holding.model).where(where)).first()
                assert left is None, holding.name
            assert (
                session.scalar(select(ScoreChange.id).where(ScoreChange.actor_id == user_id))
                is None
            )


def test_class_export_and_access(
    app: Flask, auth: AuthActions, session: Session, clock: FixedClock
) -> None:
    learner_id, _, class_id = seeded(session, clock)
    teacher = auth.browser()
    teacher.login("teacher@example.org", PASSWORD)
    overview = teacher.client.get(f"/teach/classes/{class_id}").get_data(as_text=True)
    assert f"/teach/classes/{class_id}/data.json" in overview
    assert f"/teach/classes/{class_id}/reviews.csv" in overview
    home = teacher.client.get("/teach").get_data(as_text=True)
    assert "/anki.apkg" in home and "/import" in home
    page = teacher.client.get(f"/teach/classes/{class_id}/data.json")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert "attachment" in page.headers["Content-Disposition"]
    data = page.get_json(force=True)
    [learner] = data["learners"]
    assert learner["profile"]["id"] == learner_id and learner["responses"]
    assert "answer_drafts" not in learner and "logins" not in learner
    csv_page = teacher.client.get(f"/teach/classes/{class_id}/reviews.csv")
    assert csv_page.get_data(as_text=True).splitlines()[0] == ",".join([*FSRS_COLUMNS, "user_id"])
    # a learner gets 403, another instructor 404, an anonymous visitor the login page
    learner_page = auth.browser()
    learner_page.login("learner@example.org", PASSWORD)
    assert learner_page.client.get(f"/teach/classes/{class_id}/data.json").status_code == 403
    make_instructor(session, clock, "other@example.org")
    other = auth.browser()
    other.login("other@example.org", PASSWORD)
    assert other.client.get(f"/teach/classes/{class_id}/data.json").status_code == 404
    anonymous = app.test_client().get("/account/data.json")
    assert anonymous.status_code in (302, 401)


def test_account_page_links_and_own_downloads(
    auth: AuthActions, session: Session, clock: FixedClock
) -> None:
    learner_id, _, _ = seeded(session, clock)
    me = auth.browser()
    me.login("learner@example.org", PASSWORD)
    page = me.client.get("/account").get_data(as_text=True)
    for link in ("/account/data.json", "/account/reviews.csv", "/account/review.apkg"):
        assert link in page
    mine = me.client.get("/account/data.json").get_json(force=True)
    assert mine["user_id"] == learner_id
    assert me.client.get("/account/reviews.csv").status_code == 200
