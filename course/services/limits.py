"""Every rate limit of the engine in one place (docs/architecture.md has them as a table)."""

from __future__ import annotations

from datetime import timedelta

from course.services.throttle import Limit

# Login: by account and address together, so failures typed elsewhere never slow the
# owner at their own address (THREATS 43). Account-wide and address-wide counters
# catch attacks spread over addresses or accounts; they are skipped for an address
# the account logged in from lately, so neither can keep a learner out of a class.
LOGIN_PER_ACCOUNT_ADDRESS = Limit(
    "login.account_address",
    5,
    timedelta(days=1),
    "failed logins for this account",
    delay=timedelta(minutes=1),
)
LOGIN_PER_ACCOUNT = Limit(
    "login.account",
    20,
    timedelta(days=1),
    "failed logins for this account from new addresses",
    delay=timedelta(seconds=30),
)
LOGIN_PER_ADDRESS = Limit(
    "login.address",
    100,
    timedelta(hours=1),
    "failed logins from your address",
    delay=timedelta(seconds=30),
)
SIGNUP_PER_ADDRESS = Limit("signup.address", 200, timedelta(hours=1), "sign-ups from your address")
REAUTH_PER_ACCOUNT = Limit(
    "reauth.account", 5, timedelta(days=1), "wrong current passwords", delay=timedelta(minutes=1)
)

# Per account only: a wrong code typed by one learner never slows another's valid code,
# even behind one school address (THREATS 44). Sign-ups per address bound how many
# accounts one guesser gets.
JOIN_GUESSES = Limit(
    "join.account", 10, timedelta(days=1), "wrong class codes", delay=timedelta(minutes=1)
)

# Disputes: per learner, a hard cap a day. A class can dispute a broken question many
# times over without nearing it; one learner cannot fill an instructor's inbox.
DISPUTES_PER_LEARNER = Limit(
    "dispute.account", 10, timedelta(days=1), "disputes sent from your account today"
)
