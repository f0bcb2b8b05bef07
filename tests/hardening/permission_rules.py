"""The permission matrix's rules: every route of the site × every role × the tender's states →
the outcome expected (docs/permissions.md is generated from this module; no database needed).

Outcomes (what the test sees, classified by `classify`):
  ✓  allowed: past the permission check — a 2xx, a redirect elsewhere than a login page, or a
     400/409/422/429 the body or the tender's state earned (an authorised role gets the answer
     any caller of its right would get)
  L  login required: anonymous sent to a login page, 401, or 403 before anything is looked at;
     a logged-in user without staff rights sent to the admin's login page
  R  refused: 403 to a user of the right organisation (or a supervisor, operator) lacking the
     step's role
  H  hidden: 404, the object is not theirs to see — never a 403 that would tell it exists
  —  not asked: the object the route names does not exist in that state (no bid on a draft)
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

STATES = ["draft", "published", "bidding_closed", "opening", "evaluating", "awarded"]
ROLES = [
    "public",
    "tenderee",
    "agent",
    "bidder_a",
    "bidder_b",
    "committee",
    "expert_on_panel",
    "expert_off_panel",
    "supervisor",
    "operator",
]

ALLOWED, LOGIN, REFUSED, HIDDEN, NOT_ASKED = "✓", "L", "R", "H", "—"
ANY_STATE = "any"

MANAGERS = {"tenderee", "agent"}
BIDDERS = {"bidder_a", "bidder_b"}
EXPERTS = {"expert_on_panel", "expert_off_panel"}
AFTER_DEADLINE = {"bidding_closed", "opening", "evaluating", "awarded"}
OPENED = {"evaluating", "awarded"}

Rule = Callable[[str, str], str]

# Parameters naming an object of one tender: the route is asked in every state.
PER_STATE = {
    "tender_id",
    "bid_id",
    "upload_id",
    "document_id",
    "notice_id",
    "seat_id",
    "alert_id",
    "objection_id",
}
# The states in which the world holds the object (tests/hardening/permission_world.py).
OBJECT_STATES = {
    "bid_id": ["published", *AFTER_DEADLINE],
    "upload_id": ["published", *AFTER_DEADLINE],
    "notice_id": STATES[1:],
    "objection": ["published"],
    "opening_objection": ["opening"],
    "candidate_objection": [],
    "seat_id": sorted(OPENED),
    "alert_id": sorted(OPENED),
}


def rule(**outcomes: str | Callable[[str], str]) -> Rule:
    """A rule from outcomes by role (`default` for the others); an outcome may depend on the
    state (a function of it)."""

    def decide(role: str, state: str) -> str:
        outcome = outcomes.get(role, outcomes.get("default", ALLOWED))
        return outcome(state) if callable(outcome) else outcome

    return decide


def unless_draft(outcome: str, draft: str = HIDDEN) -> Callable[[str], str]:
    return lambda state: draft if state == "draft" else outcome


@dataclass(frozen=True)
class Route:
    """One method of one route: `pattern` as the URL resolver spells it; `values` fills the
    parameters the world does not (slugs, indexes); `rule` gives the outcome."""

    pattern: str
    method: str
    rule: Rule
    family: str
    values: dict[str, str] = field(default_factory=dict)
    body: dict | None = None
    note: str = ""

    @property
    def parameters(self) -> list[str]:
        return re.findall(r"<(?:\w+:)?(\w+)>", self.pattern)

    @property
    def per_state(self) -> bool:
        return any(name in PER_STATE for name in self.parameters)

    def states(self) -> list[str]:
        return STATES if self.per_state else [ANY_STATE]

    def object_of(self, name: str) -> str:
        """Which of the world's objects fills parameter `name` of this route."""
        if name == "objection_id":
            if "candidate" in self.pattern:
                return "candidate_objection"
            return "opening_objection" if "opening" in self.pattern else "objection"
        return name

    def asked_in(self, state: str) -> bool:
        return state == ANY_STATE or all(
            state in OBJECT_STATES.get(self.object_of(name), STATES) for name in self.parameters
        )

    def expected(self, role: str, state: str) -> str:
        return self.rule(role, state) if self.asked_in(state) else NOT_ASKED


# ---- rules shared by families -------------------------------------------------------------
everyone = rule()
logged_in = rule(public=LOGIN)
# A draft is its managers' alone; from publication the tender is public.
public_tender = rule(default=unless_draft(ALLOWED), tenderee=ALLOWED, agent=ALLOWED)
# A step of the tenderee or its agent: other organisations are told nothing exists.
manager_step = rule(
    public=LOGIN,
    tenderee=ALLOWED,
    agent=ALLOWED,
    supervisor=REFUSED,
    operator=HIDDEN,
    default=HIDDEN,
)
supervisor_only = rule(public=LOGIN, supervisor=ALLOWED, default=REFUSED)
operator_only = rule(public=LOGIN, operator=ALLOWED, default=REFUSED)
admin_page = rule(operator=ALLOWED, default=LOGIN)
# Bidder A's own objects (bid, upload, receipt): bidder B and everyone else see nothing.
own_bid = rule(public=LOGIN, bidder_a=ALLOWED, default=HIDDEN)


def route(pattern: str, method: str, decide: Rule, family: str, **extra) -> Route:
    return Route(pattern, method, decide, family, **extra)


ROUTES: list[Route] = [
    # accounts, log, signing
    route("", "GET", everyone, "portal"),
    route("accounts/login/", "GET", everyone, "accounts"),
    route("accounts/logout/", "POST", everyone, "accounts"),
    route("healthz", "GET", everyone, "monitoring"),
    route("log/", "GET", everyone, "monitoring"),
    route("api/v1/log/checkpoints", "GET", everyone, "monitoring"),
    route("tsa", "POST", everyone, "signing"),
    route("api/v1/auth/challenge", "POST", everyone, "accounts"),
    route("api/v1/auth/certificate-login", "POST", everyone, "accounts", body={}),
]

TENDER_API = "api/v1/tenders/<uuid:tender_id>"
OPENING_API = TENDER_API + "/opening"
EVALUATION_API = TENDER_API + "/evaluation"
ROUTES += [
    # trading: portal pages and the public API
    route("tenders/", "GET", everyone, "portal"),
    route("tenders/<uuid:tender_id>/", "GET", public_tender, "portal"),
    route("notices/<uuid:notice_id>/", "GET", everyone, "notices"),
    route("notices/<uuid:notice_id>/release.json", "GET", everyone, "notices"),
    route("notices/<uuid:notice_id>/signature.p7s", "GET", everyone, "notices"),
    route("notices/<uuid:notice_id>/timestamp.tsr", "GET", everyone, "notices"),
    route("notices/tender/<uuid:tender_id>/", "GET", public_tender, "notices"),
    route("api/v1/tenders", "GET", everyone, "portal"),
    route(TENDER_API, "GET", public_tender, "portal"),
    route(TENDER_API + "/documents", "GET", public_tender, "documents"),
    route(TENDER_API + "/documents", "POST", manager_step, "documents", body={}),
    route(TENDER_API + "/downloads", "GET", everyone, "documents"),
    route("tenders/documents/<uuid:document_id>/download", "GET", everyone, "documents"),
    route("api/v1/documents/<uuid:document_id>/download", "GET", everyone, "documents"),
    route("api/v1/ocds/releases", "GET", everyone, "portal"),
    route("api/v1/ocds/releases/<str:release_id>", "GET", everyone, "portal"),
    route("api/v1/notifications", "GET", logged_in, "portal"),
    # trading: the tenderee's workspace and steps
    route("tenders/workspace/", "GET", logged_in, "workspace"),
    route("tenders/workspace/new/", "GET", logged_in, "workspace"),
    route("tenders/workspace/<uuid:tender_id>/", "GET", manager_step, "workspace"),
    *[
        route(
            "tenders/workspace/<uuid:tender_id>/<slug:action>/",
            "POST",
            manager_step,
            "workspace",
            values={"action": action},
        )
        for action in ("publish", "amend", "clarify", "answer", "cancel", "document")
    ],
    route("api/v1/projects", "POST", logged_in, "workspace", body={}),
    route("api/v1/tenders/drafts", "POST", logged_in, "workspace", body={}),
    *[
        route(
            TENDER_API + "/<slug:action>",
            "POST",
            supervisor_only if action in ("suspend", "resume") else manager_step,
            "tender steps",
            values={"action": action},
            body={"reason": "矩阵"} if action not in ("publish",) else {},
        )
        for action in ("publish", "amend", "clarify", "cancel", "suspend", "resume")
    ],
    route(TENDER_API + "/objections", "POST", logged_in, "objections", body={"text": "异议"}),
    route("tenders/<uuid:tender_id>/objections", "POST", logged_in, "objections"),
    route(
        "api/v1/objections/<uuid:objection_id>/answer", "POST", manager_step, "objections", body={}
    ),
    route(TENDER_API + "/escrow-part", "GET", logged_in, "escrow"),
    route(TENDER_API + "/escrow-part", "POST", logged_in, "escrow", body={}),
    # award and after
    route(TENDER_API + "/candidate-objections", "POST", logged_in, "award", body={}),
    route(
        "api/v1/candidate-objections/<uuid:objection_id>/answer",
        "POST",
        manager_step,
        "award",
        body={},
    ),
    route(TENDER_API + "/award", "POST", manager_step, "award", body={}),
    route(TENDER_API + "/contract", "POST", manager_step, "award", body={}),
    route(TENDER_API + "/archive", "POST", manager_step, "award", body={}),
    route(TENDER_API + "/bid-security-refunds", "POST", manager_step, "award", body={}),
    # bids: submission
    route("bids/", "GET", logged_in, "bids"),
    route(TENDER_API + "/bid-uploads", "POST", logged_in, "bids", body={}),
    route(TENDER_API + "/bid-evidence", "GET", logged_in, "bids"),
    route("api/v1/bid-uploads/<uuid:upload_id>", "GET", own_bid, "bids"),
    route(
        "api/v1/bid-uploads/<uuid:upload_id>/parts/<int:number>",
        "PUT",
        own_bid,
        "bids",
        values={"number": "1"},
    ),
    route("api/v1/bid-uploads/<uuid:upload_id>/finalise", "POST", own_bid, "bids", body={}),
    route("api/v1/bids", "GET", logged_in, "bids"),
    route("api/v1/bids/<uuid:bid_id>/receipt", "GET", own_bid, "bids"),
    route("api/v1/bids/<uuid:bid_id>/withdraw", "POST", own_bid, "bids", body={}),
    route("api/v1/bids/<uuid:bid_id>/log-proof", "GET", own_bid, "bids"),
    route(
        "bids/<uuid:bid_id>/receipt/<str:kind>.json",
        "GET",
        own_bid,
        "bids",
        values={"kind": "submission"},
    ),
    # bids: the opening hall
    route("bids/opening/<uuid:tender_id>/", "GET", logged_in, "opening"),
    route("bids/opening/<uuid:tender_id>/live", "GET", logged_in, "opening"),
    route(OPENING_API, "GET", logged_in, "opening"),
    route(OPENING_API + "/record", "GET", everyone, "opening"),
    route(OPENING_API + "/wrapped-key", "GET", logged_in, "opening"),
    route(OPENING_API + "/escrow-share", "GET", logged_in, "opening"),
    *[
        route(OPENING_API + "/" + step, "POST", logged_in, "opening", body={})
        for step in ("sign-in", "data-key", "confirm", "objections", "escrow-share")
    ],
    *[
        route(OPENING_API + "/" + step, "POST", manager_step, "opening", body={})
        for step in ("start", "escrow-recovery", "finalise")
    ],
    route(
        OPENING_API + "/bids/<uuid:bid_id>/escrow-request", "POST", manager_step, "opening", body={}
    ),
    route(OPENING_API + "/bids/<uuid:bid_id>/fault", "POST", manager_step, "opening", body={}),
    route(
        OPENING_API + "/objections/<uuid:objection_id>/answer",
        "POST",
        manager_step,
        "opening",
        body={},
    ),
    # evaluation: pool, panel, session, room
    route("api/v1/experts", "POST", logged_in, "experts", body={}),
    route("api/v1/experts/me", "GET", logged_in, "experts"),
    route("api/v1/experts/me", "PUT", logged_in, "experts", body={}),
    route("api/v1/experts/me/conflicts", "POST", logged_in, "experts", body={}),
    route("api/v1/experts/me/conflicts/<uuid:conflict_id>", "DELETE", logged_in, "experts"),
    *[
        route(f"api/v1/experts/<uuid:expert_id>/{step}", "POST", operator_only, "experts", body={})
        for step in ("suspend", "reinstate", "blacklist")
    ],
    route("evaluation/profile/", "GET", logged_in, "experts"),
    route(
        "evaluation/profile/conflicts/<uuid:conflict_id>/withdraw/", "POST", logged_in, "experts"
    ),
    route(TENDER_API + "/panel/request", "POST", manager_step, "panel", body={}),
    route(TENDER_API + "/panel/progress", "GET", manager_step, "panel"),
    route(TENDER_API + "/panel/draw-record", "GET", manager_step, "panel"),
    route("evaluation/tenders/<uuid:tender_id>/panel/", "GET", manager_step, "panel"),
    route("evaluation/tenders/<uuid:tender_id>/panel/request/", "GET", manager_step, "panel"),
    route("api/v1/panel/seats", "GET", logged_in, "panel"),
    *[
        route(f"api/v1/panel/seats/<uuid:seat_id>/{step}", "POST", logged_in, "panel", body={})
        for step in ("confirm", "decline", "recuse")
    ],
    route("evaluation/invitations/", "GET", logged_in, "panel"),
    route(
        "evaluation/invitations/<uuid:seat_id>/<slug:decision>/",
        "POST",
        logged_in,
        "panel",
        values={"decision": "confirm"},
    ),
    route(EVALUATION_API, "GET", logged_in, "session"),
    *[
        route(EVALUATION_API + "/" + step, "POST", logged_in, "session", body={})
        for step in (
            "convene",
            "leader",
            "review/start",
            "review/close",
            "verdicts",
            "price-explanations/request",
            "price-explanations/decide",
            "price-explanation",
            "scores",
            "scoring/close",
            "scores/review",
            "consolidation/close",
            "report/sign",
            "report/refusals",
            "candidates",
        )
    ],
    route("evaluation/<uuid:tender_id>/", "GET", logged_in, "session"),
    route(
        "evaluation/<uuid:tender_id>/step/<path:step>",
        "POST",
        logged_in,
        "session",
        values={"step": "review/start"},
    ),
    route(
        "evaluation/<uuid:tender_id>/report.<str:kind>",
        "GET",
        logged_in,
        "session",
        values={"kind": "json"},
    ),
    route("api/v1/evaluation/room/sessions", "GET", logged_in, "room"),
    route("api/v1/evaluation/room/<uuid:tender_id>/bids", "GET", logged_in, "room"),
    route(
        "api/v1/evaluation/room/<uuid:tender_id>/bids/<uuid:bid_id>/files/<int:index>",
        "GET",
        logged_in,
        "room",
        values={"index": "0"},
    ),
    route("evaluation/room/", "GET", logged_in, "room"),
    route("evaluation/room/<uuid:tender_id>/", "GET", logged_in, "room"),
    route(
        "evaluation/room/<uuid:tender_id>/bids/<uuid:bid_id>/files/<int:index>",
        "GET",
        logged_in,
        "room",
        values={"index": "0"},
    ),
    # supervision
    route("complaints/", "GET", logged_in, "complaints"),
    route("complaints/new/<uuid:tender_id>/", "GET", logged_in, "complaints"),
    route("complaints/<uuid:complaint_id>/", "GET", logged_in, "complaints"),
    route("complaints/<uuid:complaint_id>/decide/", "GET", supervisor_only, "complaints"),
    route("complaints/<uuid:complaint_id>/receipt.json", "GET", logged_in, "complaints"),
    route(
        "complaints/<uuid:complaint_id>/decisions/<uuid:decision_id>.json",
        "GET",
        logged_in,
        "complaints",
    ),
    route(
        "complaints/<uuid:complaint_id>/attachments/<uuid:attachment_id>",
        "GET",
        logged_in,
        "complaints",
    ),
    route("api/v1/complaints", "GET", logged_in, "complaints"),
    route("api/v1/complaints", "POST", logged_in, "complaints", body={}),
    route("api/v1/complaints/<uuid:complaint_id>", "GET", logged_in, "complaints"),
    route(
        "api/v1/complaints/<uuid:complaint_id>/decisions",
        "POST",
        supervisor_only,
        "complaints",
        body={},
    ),
    route(
        "api/v1/complaints/<uuid:complaint_id>/decisions/<uuid:decision_id>",
        "GET",
        logged_in,
        "complaints",
    ),
    route("api/v1/complaints/<uuid:complaint_id>/receipt", "GET", logged_in, "complaints"),
    route(
        "supervision/tenders/<uuid:tender_id>/suspension/", "GET", supervisor_only, "supervision"
    ),
    route(
        "api/v1/supervision/tenders/<uuid:tender_id>/suspend",
        "POST",
        supervisor_only,
        "supervision",
        body={},
    ),
    route(
        "api/v1/supervision/tenders/<uuid:tender_id>/resume",
        "POST",
        supervisor_only,
        "supervision",
        body={},
    ),
    *[
        route(pattern, "GET", supervisor_only, "supervision")
        for pattern in (
            "supervision/",
            "supervision/tenders/<uuid:tender_id>/",
            "supervision/tenders/<uuid:tender_id>/bids/",
            "supervision/tenders/<uuid:tender_id>/opening/",
            "supervision/tenders/<uuid:tender_id>/panel/",
            "supervision/tenders/<uuid:tender_id>/scores/",
            "supervision/alerts/",
            "supervision/rules/",
            "supervision/statistics/",
            "supervision/statistics.csv",
            "metrics",
            "api/v1/supervision/tenders",
            "api/v1/supervision/alerts",
            "api/v1/supervision/rules",
            "api/v1/supervision/statistics",
        )
    ],
    *[
        route(pattern, "POST", supervisor_only, "supervision", body={})
        for pattern in (
            "supervision/alerts/<int:alert_id>/acknowledge",
            "supervision/alerts/<int:alert_id>/resolve",
            "api/v1/supervision/alerts/<int:alert_id>/acknowledge",
            "api/v1/supervision/alerts/<int:alert_id>/resolve",
        )
    ],
    route("api/v1/schema", "GET", everyone, "api"),
    route("api/v1/docs", "GET", everyone, "api"),
]

# Routes the matrix does not ask, and why (the completeness test allows exactly these).
EXCLUDED = {
    # Django's language switch: a redirect for anyone, it reads and writes no object.
    "i18n/setlang/": "sets the session's language, for anyone",
}


def admin_routes(patterns: list[str]) -> list[Route]:
    """Every Django admin route: the operator (staff) only; anyone else goes to its login."""
    return [route(pattern, "GET", admin_page, "admin") for pattern in patterns]


def all_routes(patterns: list[str]) -> list[Route]:
    """The matrix's routes: those above and every admin route the site has."""
    return ROUTES + admin_routes([pattern for pattern in patterns if pattern.startswith("admin/")])
