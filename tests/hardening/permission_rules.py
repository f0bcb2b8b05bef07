"""The permission matrix's rules: every route of the site × every role × the tender's states →
the outcome expected (docs/permissions.md is generated from this module; no database needed).

Outcomes (what the test sees, classified by `classify`):
  ✓  allowed: past the permission check — a 2xx, a redirect elsewhere than a login page, or a
     400/409/422/429 the body or the tender's state earned (an authorised role gets the answer
     any caller of its right would get)
  L  login required: anonymous sent to a login page, 401, or 403 before anything is looked at;
     a logged-in user without staff rights sent to the admin's login page
  R  refused: 403 to a logged-in user lacking the step's role, given before any object is read
     (the leak check asks the cell again with an id no object has: the same 403)
  H  hidden: 404, the object is not theirs to see — never a 403 that would tell it exists
  B  body first: 400 to every logged-in role, the matrix's empty body refused before the
     permission is checked (the same answer for an id no object has: it tells nothing)
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

ALLOWED, LOGIN, REFUSED, HIDDEN, BODY_FIRST, NOT_ASKED = "✓", "L", "R", "H", "B", "—"
ANY_STATE = "any"

MANAGERS = {"tenderee", "agent"}
# Who may know a draft exists: its managers, its opening committee, the supervisor (and the
# anonymous caller is asked to log in first).
DRAFT_KNOWN_TO = {"public", "tenderee", "agent", "committee", "supervisor"}
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
    "candidate_objection": ["awarded"],
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


def once_opened(outcome: str, before: str = HIDDEN) -> Callable[[str], str]:
    return lambda state: outcome if state in OPENED else before


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
    # The view reads the body before the service checks the permission (outcome B).
    body_first: bool = False

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
        if not self.asked_in(state):
            return NOT_ASKED
        if state == "draft" and role not in DRAFT_KNOWN_TO and self.names_a_tender:
            return HIDDEN  # trading.middleware.DraftTenderMiddleware, before any view
        return self.rule(role, state)

    @property
    def names_a_tender(self) -> bool:
        return bool({"tender_id", "document_id"} & set(self.parameters))


# ---- rules shared by families -------------------------------------------------------------
everyone = rule()
logged_in = rule(public=LOGIN)
# The portal shows a tender from its publication; a draft is in its managers' workspace only.
public_tender = rule(default=unless_draft(ALLOWED))
# A step of the tenderee or its agent: everyone else, other organisations and the supervisor
# included, is told nothing exists.
manager_step = rule(public=LOGIN, tenderee=ALLOWED, agent=ALLOWED, default=HIDDEN)
# The panel's progress pages: the managers, and the supervisor who oversees every tender.
manager_or_supervisor = rule(
    public=LOGIN, tenderee=ALLOWED, agent=ALLOWED, supervisor=ALLOWED, default=HIDDEN
)
body_first = rule(public=LOGIN, default=BODY_FIRST)
supervisor_only = rule(public=LOGIN, supervisor=ALLOWED, default=REFUSED)
operator_only = rule(public=LOGIN, operator=ALLOWED, default=REFUSED)
admin_page = rule(operator=ALLOWED, default=LOGIN)
# Steps of a bidder's role (refused to every other role before any object is read).
bidder_only = rule(public=LOGIN, bidder_a=ALLOWED, bidder_b=ALLOWED, default=REFUSED)
managers_only = rule(public=LOGIN, tenderee=ALLOWED, agent=ALLOWED, default=REFUSED)
experts_only = rule(
    public=LOGIN, expert_on_panel=ALLOWED, expert_off_panel=ALLOWED, default=REFUSED
)
# Bidder A's own objects (bid, upload, receipt): bidder B is told nothing exists; other roles
# are refused the bidder's step before any object is read.
own_bid = rule(public=LOGIN, bidder_a=ALLOWED, bidder_b=HIDDEN, default=REFUSED)
# The opening hall: its managers, the escrow committee and the supervisor; the bidders once
# the tender is published.
opening_hall = rule(
    public=LOGIN,
    tenderee=ALLOWED,
    agent=ALLOWED,
    committee=ALLOWED,
    supervisor=ALLOWED,
    bidder_a=unless_draft(ALLOWED, REFUSED),
    bidder_b=unless_draft(ALLOWED, REFUSED),
    default=REFUSED,
)
# The evaluation session: the managers and the panel's expert once it is convened (the bids
# opened); nobody else learns a session exists.
session = rule(
    public=LOGIN,
    tenderee=once_opened(ALLOWED),
    agent=once_opened(ALLOWED),
    expert_on_panel=once_opened(ALLOWED),
    default=HIDDEN,
)
room = rule(public=LOGIN, expert_on_panel=once_opened(ALLOWED), default=HIDDEN)
leader_step = rule(public=LOGIN, expert_on_panel=once_opened(REFUSED), default=HIDDEN)
# Publishing the signed report's candidates: the tender's managers, once there is a session.
candidates_publish = rule(
    public=LOGIN, tenderee=once_opened(ALLOWED), agent=once_opened(ALLOWED), default=HIDDEN
)
# A complaint: its complainant (bidder A) and the supervisor; nobody else learns it exists.
complaint_party = rule(public=LOGIN, bidder_a=ALLOWED, supervisor=ALLOWED, default=HIDDEN)
# The complaint itself is also shown to the tender's managers, the party complained about
# (supervision/complaints/selectors.py ComplaintReader); its receipt, decisions and
# attachments are not.
complaint_seen = rule(
    public=LOGIN,
    bidder_a=ALLOWED,
    supervisor=ALLOWED,
    tenderee=ALLOWED,
    agent=ALLOWED,
    default=HIDDEN,
)
# Objects the world does not hold (no complaint, no signed report): every role is told so.
absent_object = rule(public=LOGIN, default=HIDDEN)


EXPERTS_ALLOWED = {"expert_on_panel": ALLOWED, "expert_off_panel": ALLOWED}
# Who downloaded the documents: the bidders (their own), the supervisor, and the managers once
# the deadline has passed (before it the list of potential bidders is secret, 法 第二十二条).
downloads = rule(
    public=LOGIN,
    bidder_a=ALLOWED,
    bidder_b=ALLOWED,
    supervisor=ALLOWED,
    tenderee=lambda state: ALLOWED if state in AFTER_DEADLINE else REFUSED,
    agent=lambda state: ALLOWED if state in AFTER_DEADLINE else REFUSED,
    default=REFUSED,
)
# Obtaining the documents: a bidder, while the tender is published.
obtain = rule(
    public=LOGIN,
    bidder_a=lambda state: ALLOWED if state == "published" else REFUSED,
    bidder_b=lambda state: ALLOWED if state == "published" else REFUSED,
    default=REFUSED,
)
# An objection to the documents: a bidder who obtained them (bidder A in this world).
objector = rule(public=LOGIN, bidder_a=unless_draft(ALLOWED, REFUSED), default=REFUSED)
# The committee's escrow brief while the tender is a draft; afterwards a 409 to anyone.
escrow_part = rule(
    public=LOGIN,
    committee=ALLOWED,
    default=lambda state: REFUSED if state == "draft" else ALLOWED,
)
seat_step = rule(public=LOGIN, expert_on_panel=ALLOWED, default=REFUSED)
session_page = rule(
    public=LOGIN,
    tenderee=ALLOWED,
    agent=ALLOWED,
    expert_on_panel=once_opened(ALLOWED),
    default=HIDDEN,
)
# The escrow committee's share: a 409 to anyone while a draft (no share yet), the committee's
# alone afterwards.
escrow_share = rule(
    public=LOGIN,
    committee=ALLOWED,
    default=lambda state: ALLOWED if state == "draft" else REFUSED,
)
room_list = rule(public=LOGIN, expert_on_panel=ALLOWED, default=HIDDEN)
# An award or result notice (中标通知书 / 中标结果通知书): the organisation it is sent to, and
# the tender's managers who issued it.
own_letter = rule(public=LOGIN, bidder_a=ALLOWED, tenderee=ALLOWED, agent=ALLOWED, default=HIDDEN)
# A complaint about a published tender: the bidders.
complainant = rule(
    public=LOGIN,
    bidder_a=unless_draft(ALLOWED),
    bidder_b=unless_draft(ALLOWED),
    default=REFUSED,
)


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
    # The time-stamping authority serves anyone; the matrix's empty POST is refused 415 (not a
    # DER TimeStampReq), which `classify` counts as allowed: no permission stands before it.
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
    route(TENDER_API + "/documents", "POST", body_first, "documents", body={}, body_first=True),
    route(TENDER_API + "/downloads", "GET", downloads, "documents"),
    route("tenders/documents/<uuid:document_id>/download", "GET", obtain, "documents"),
    route("api/v1/documents/<uuid:document_id>/download", "GET", obtain, "documents"),
    route("api/v1/ocds/releases", "GET", everyone, "portal"),
    route("api/v1/ocds/releases/<str:release_id>", "GET", everyone, "portal"),
    route("api/v1/notifications", "GET", logged_in, "portal"),
    # trading: the tenderee's workspace and steps
    route("tenders/workspace/", "GET", logged_in, "workspace"),
    route("tenders/workspace/new/", "GET", managers_only, "workspace"),
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
    # the tenderee's pages after the evaluation report (a form refused for its empty body is
    # still past the permission check)
    *[
        route(f"tenders/workspace/<uuid:tender_id>/{step}/", method, manager_step, "workspace")
        for step in ("candidates", "award", "contract", "bid-security")
        for method in ("GET", "POST")
    ],
    # the bidder's own pages
    route("tenders/objections/", "GET", bidder_only, "bidder pages"),
    route("tenders/notifications/", "GET", bidder_only, "bidder pages"),
    route("tenders/letters/<uuid:letter_id>/", "GET", own_letter, "bidder pages"),
    route(
        "tenders/letters/<uuid:letter_id>/<str:part>",
        "GET",
        own_letter,
        "bidder pages",
        values={"part": "letter.json"},
    ),
    route("api/v1/projects", "POST", logged_in, "workspace", body={}),
    route("api/v1/tenders/drafts", "POST", logged_in, "workspace", body={}),
    *[
        route(
            TENDER_API + "/<slug:action>",
            "POST",
            {"suspend": supervisor_only, "resume": supervisor_only}.get(action, manager_step),
            "tender steps",
            values={"action": action},
            body={"reason": "矩阵"} if action not in ("publish",) else {},
        )
        for action in ("publish", "cancel", "suspend", "resume")
    ],
    *[
        route(
            TENDER_API + "/<slug:action>",
            "POST",
            body_first,
            "tender steps",
            values={"action": action},
            body={"reason": "矩阵"},
            body_first=True,
        )
        for action in ("amend", "clarify")
    ],
    route(TENDER_API + "/objections", "POST", objector, "objections", body={"text": "异议"}),
    route("tenders/<uuid:tender_id>/objections", "POST", logged_in, "objections"),
    route(
        "api/v1/objections/<uuid:objection_id>/answer",
        "POST",
        body_first,
        "objections",
        body={},
        body_first=True,
    ),
    route(TENDER_API + "/escrow-part", "GET", escrow_part, "escrow"),
    route(TENDER_API + "/escrow-part", "POST", logged_in, "escrow", body={}),
    # award and after
    route(TENDER_API + "/candidate-objections", "POST", logged_in, "award", body={}),
    route(
        "api/v1/candidate-objections/<uuid:objection_id>/answer",
        "POST",
        body_first,
        "award",
        body={},
        body_first=True,
    ),
    *[
        route(TENDER_API + "/" + step, "POST", body_first, "award", body={}, body_first=True)
        for step in ("award", "contract", "bid-security-refunds")
    ],
    route(TENDER_API + "/archive", "POST", manager_step, "award", body={}),
    # bids: submission
    route("bids/", "GET", bidder_only, "bids"),
    route(TENDER_API + "/bid-uploads", "POST", bidder_only, "bids", body={}),
    route(TENDER_API + "/bid-evidence", "GET", supervisor_only, "bids"),
    route("api/v1/bid-uploads/<uuid:upload_id>", "GET", own_bid, "bids"),
    route(
        "api/v1/bid-uploads/<uuid:upload_id>/parts/<int:number>",
        "PUT",
        own_bid,
        "bids",
        values={"number": "1"},
    ),
    route("api/v1/bid-uploads/<uuid:upload_id>/finalise", "POST", own_bid, "bids", body={}),
    route("api/v1/bids", "GET", bidder_only, "bids"),
    route("api/v1/bids/<uuid:bid_id>/receipt", "GET", own_bid, "bids"),
    route(
        "api/v1/bids/<uuid:bid_id>/withdraw",
        "POST",
        rule(public=LOGIN, bidder_a=BODY_FIRST, bidder_b=BODY_FIRST, default=REFUSED),
        "bids",
        body={},
        body_first=True,
    ),
    # The supervisor may ask for any bid's proof of inclusion in the log.
    route(
        "api/v1/bids/<uuid:bid_id>/log-proof",
        "GET",
        rule(public=LOGIN, bidder_a=ALLOWED, bidder_b=HIDDEN, supervisor=ALLOWED, default=REFUSED),
        "bids",
    ),
    route(
        "bids/<uuid:bid_id>/receipt/<str:kind>.json",
        "GET",
        rule(public=LOGIN, bidder_a=ALLOWED, default=HIDDEN),
        "bids",
        values={"kind": "submission"},
    ),
    # bids: the opening hall
    route("bids/opening/<uuid:tender_id>/", "GET", opening_hall, "opening"),
    route("bids/opening/<uuid:tender_id>/live", "GET", opening_hall, "opening"),
    route(OPENING_API, "GET", opening_hall, "opening"),
    # The opening record is public once the opening is finalised.
    route(OPENING_API + "/record", "GET", rule(default=once_opened(ALLOWED)), "opening"),
    route(OPENING_API + "/wrapped-key", "GET", bidder_only, "opening"),
    route(OPENING_API + "/escrow-share", "GET", escrow_share, "opening"),
    *[
        route(OPENING_API + "/" + step, "POST", bidder_only, "opening", body={})
        for step in ("data-key", "confirm", "objections")
    ],
    # Signing in is refused once the opening has started.
    route(
        OPENING_API + "/sign-in",
        "POST",
        rule(
            public=LOGIN,
            bidder_a=lambda state: REFUSED if state == "opening" else ALLOWED,
            bidder_b=lambda state: REFUSED if state == "opening" else ALLOWED,
            default=REFUSED,
        ),
        "opening",
        body={},
    ),
    route(OPENING_API + "/escrow-share", "POST", escrow_share, "opening", body={}),
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
    route(
        "api/v1/experts/me", "GET", rule(public=LOGIN, default=HIDDEN, **EXPERTS_ALLOWED), "experts"
    ),
    route("api/v1/experts/me", "PUT", logged_in, "experts", body={}),
    route("api/v1/experts/me/conflicts", "POST", logged_in, "experts", body={}),
    # The conflict is the panel expert's: the other expert is told it does not exist.
    route(
        "api/v1/experts/me/conflicts/<uuid:conflict_id>",
        "DELETE",
        rule(public=LOGIN, expert_on_panel=ALLOWED, expert_off_panel=HIDDEN, default=REFUSED),
        "experts",
    ),
    *[
        route(
            f"api/v1/experts/<uuid:expert_id>/{step}",
            "POST",
            body_first,
            "experts",
            body={},
            body_first=True,
        )
        for step in ("suspend", "reinstate", "blacklist")
    ],
    route("evaluation/profile/", "GET", experts_only, "experts"),
    route(
        "evaluation/profile/conflicts/<uuid:conflict_id>/withdraw/",
        "POST",
        experts_only,
        "experts",
    ),
    route(TENDER_API + "/panel/request", "POST", body_first, "panel", body={}, body_first=True),
    route(TENDER_API + "/panel/progress", "GET", manager_or_supervisor, "panel"),
    # The world's panels are made without a draw (tests/evaluation/factories.py): no record.
    route(TENDER_API + "/panel/draw-record", "GET", rule(default=HIDDEN), "panel"),
    route("evaluation/tenders/<uuid:tender_id>/panel/", "GET", manager_or_supervisor, "panel"),
    route(
        "evaluation/tenders/<uuid:tender_id>/panel/request/", "GET", manager_or_supervisor, "panel"
    ),
    route("api/v1/panel/seats", "GET", logged_in, "panel"),
    *[
        route(f"api/v1/panel/seats/<uuid:seat_id>/{step}", "POST", seat_step, "panel", body={})
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
    route(EVALUATION_API, "GET", session, "session"),
    # Steps that read their body first: the matrix's empty one is refused before anything is
    # looked at, the same answer for any tender.
    *[
        route(EVALUATION_API + "/" + step, "POST", body_first, "session", body={}, body_first=True)
        for step in (
            "convene",
            "leader",
            "verdicts",
            "price-explanations/decide",
            "price-explanation",
            "scores",
            "scores/review",
            "report/sign",
            "report/refusals",
        )
    ],
    # The leader's steps: a member of the panel is refused (it is not the leader, and no
    # leader is elected in this world); nobody else learns the session exists.
    *[
        route(EVALUATION_API + "/" + step, "POST", leader_step, "session", body={})
        for step in (
            "review/start",
            "review/close",
            "price-explanations/request",
            "scoring/close",
            "consolidation/close",
        )
    ],
    route(EVALUATION_API + "/candidates", "POST", candidates_publish, "session", body={}),
    route("evaluation/<uuid:tender_id>/", "GET", session_page, "session"),
    # The session page's forms: every answer redirects back to the page, which tells the
    # member what was refused (the same redirect for a tender that does not exist).
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
        absent_object,
        "session",
        values={"kind": "json"},
    ),
    route("api/v1/evaluation/room/sessions", "GET", room_list, "room"),
    route("api/v1/evaluation/room/<uuid:tender_id>/bids", "GET", room, "room"),
    route(
        "api/v1/evaluation/room/<uuid:tender_id>/bids/<uuid:bid_id>/files/<int:index>",
        "GET",
        room,
        "room",
        values={"index": "0"},
    ),
    route("evaluation/room/", "GET", room_list, "room"),
    route("evaluation/room/<uuid:tender_id>/", "GET", room, "room"),
    route(
        "evaluation/room/<uuid:tender_id>/bids/<uuid:bid_id>/files/<int:index>",
        "GET",
        room,
        "room",
        values={"index": "0"},
    ),
    # supervision
    route("complaints/", "GET", logged_in, "complaints"),
    route("complaints/new/<uuid:tender_id>/", "GET", complainant, "complaints"),
    route("complaints/<uuid:complaint_id>/", "GET", complaint_seen, "complaints"),
    # The page reads its form first: an empty one goes back to the complaint with a message,
    # for any id (B).
    route(
        "complaints/<uuid:complaint_id>/decide/",
        "POST",
        body_first,
        "complaints",
        body_first=True,
    ),
    route("complaints/<uuid:complaint_id>/receipt.json", "GET", complaint_party, "complaints"),
    route(
        "complaints/<uuid:complaint_id>/decisions/<uuid:decision_id>.json",
        "GET",
        complaint_party,
        "complaints",
    ),
    route(
        "complaints/<uuid:complaint_id>/attachments/<uuid:attachment_id>",
        "GET",
        complaint_party,
        "complaints",
    ),
    route("api/v1/complaints", "GET", logged_in, "complaints"),
    route("api/v1/complaints", "POST", logged_in, "complaints", body={}),
    route("api/v1/complaints/<uuid:complaint_id>", "GET", complaint_seen, "complaints"),
    route(
        "api/v1/complaints/<uuid:complaint_id>/decisions",
        "POST",
        body_first,
        "complaints",
        body={},
        body_first=True,
    ),
    route(
        "api/v1/complaints/<uuid:complaint_id>/decisions/<uuid:decision_id>",
        "GET",
        complaint_party,
        "complaints",
    ),
    route("api/v1/complaints/<uuid:complaint_id>/receipt", "GET", complaint_party, "complaints"),
    route(
        "supervision/tenders/<uuid:tender_id>/suspension/", "GET", supervisor_only, "supervision"
    ),
    *[
        route(
            f"api/v1/supervision/tenders/<uuid:tender_id>/{step}",
            "POST",
            body_first,
            "supervision",
            body={},
            body_first=True,
        )
        for step in ("suspend", "resume")
    ],
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
    # /metrics exists for the operators' networks and token only (monitoring/operations.py);
    # the matrix's clients are neither.
    route("metrics", "GET", rule(default=HIDDEN), "monitoring"),
    route("api/v1/schema", "GET", everyone, "api"),
    route("api/v1/docs", "GET", everyone, "api"),
]

# Routes the matrix does not ask, and why (the completeness test allows exactly these).
EXCLUDED = {
    # Django's language switch: a redirect for anyone, it reads and writes no object.
    "i18n/setlang/": "sets the session's language, for anyone",
}


# Admin routes whose operator's answer is not the page: the log's events are append-only and an
# expert's record is never deleted (403); routes naming an object get an id no object has (404).
ADMIN_OPERATOR = {
    "admin/login/": everyone,
    "admin/logout/": everyone,
    "admin/autocomplete/": rule(operator=REFUSED, default=LOGIN),
    "admin/monitoring/event/add/": rule(operator=REFUSED, default=LOGIN),
    "admin/monitoring/event/<path:object_id>/delete/": rule(operator=REFUSED, default=LOGIN),
    "admin/evaluation/expert/<path:object_id>/delete/": rule(operator=REFUSED, default=LOGIN),
    # An organisation's delete page would list its bids and downloads with their tenders.
    "admin/accounts/organisation/<path:object_id>/delete/": rule(operator=REFUSED, default=LOGIN),
    "admin/r/<path:content_type_id>/<path:object_id>/": rule(operator=HIDDEN, default=LOGIN),
    "admin/accounts/user/<uuid:user_id>/grant-role/": rule(operator=HIDDEN, default=LOGIN),
    "admin/accounts/user/<id>/password/": rule(operator=HIDDEN, default=LOGIN),
    "admin/^(?P<app_label>auth|accounts|monitoring|evaluation)/$": rule(
        operator=HIDDEN, default=LOGIN
    ),
    "admin/(?P<url>.*)$": rule(operator=HIDDEN, default=LOGIN),
}


def admin_routes(patterns: list[str]) -> list[Route]:
    """Every Django admin route: the operator (staff) only; anyone else goes to its login."""
    return [
        route(pattern, "GET", ADMIN_OPERATOR.get(pattern, admin_page), "admin")
        for pattern in patterns
    ]


def all_routes(patterns: list[str]) -> list[Route]:
    """The matrix's routes: those above and every admin route the site has."""
    return ROUTES + admin_routes([pattern for pattern in patterns if pattern.startswith("admin/")])


def resolver_patterns(patterns=None, prefix: str = "") -> list[str]:
    """Every route of the site (needs Django set up), spelled as its pattern (admin's included)."""
    from django.urls import URLPattern, URLResolver, get_resolver

    found = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            found += resolver_patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            found.append(prefix + str(pattern.pattern))
    return found
