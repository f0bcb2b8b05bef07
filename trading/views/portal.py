"""The public portal: tender list with search and filters, and the tender page."""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.module_loading import import_string
from django.utils.safestring import mark_safe

from accounts.acting import acting_from_request
from accounts.models import Role
from accounts.selectors import user_has_role
from trading.documents import document_downloads_visible
from trading.models import Category, TenderState
from trading.notices import notice_list_for_tender
from trading.search import SearchTerms
from trading.selectors import PUBLIC_STATES, tender_get_public, tender_list_public

PAGE_SIZE = 20


def tender_page_panels() -> list:
    """Fragments other apps add to the tender page (settings.TENDER_PAGE_PANELS): trading
    cannot import them, dependencies point the other way."""
    return [import_string(path) for path in settings.TENDER_PAGE_PANELS]


@dataclass(frozen=True)
class TenderFilters:
    """The portal's search and filters, each what the query string gave when it is one the
    list offers, else empty."""

    search: str = ""
    category: str = ""
    region: str = ""
    state: str = ""

    @classmethod
    def from_query(cls, query: QueryDict) -> "TenderFilters":
        return cls(
            search=query.get("q", "").strip()[:100],
            category=query.get("category", "") if query.get("category") in Category.values else "",
            region=query.get("region", "").strip()[:6],
            state=query.get("state", "") if query.get("state") in PUBLIC_STATES else "",
        )


def tender_list(request: HttpRequest) -> HttpResponse:
    filters = TenderFilters.from_query(request.GET)
    number = int(request.GET["page"]) if request.GET.get("page", "").isdigit() else 1
    number = max(number, 1)
    # One query per page whatever the table's size: no COUNT(*), one row more tells "next".
    terms = SearchTerms.of(filters.search)
    tenders = tender_list_public(
        search=terms,
        category=filters.category,
        region=filters.region,
        state=filters.state,
        rows=number * PAGE_SIZE + 1,
    )
    rows = list(tenders[(number - 1) * PAGE_SIZE : number * PAGE_SIZE + 1])
    return render(
        request,
        "trading/tender_list.html",
        {
            "tenders": rows[:PAGE_SIZE],
            "page_number": number,
            "has_previous": number > 1,
            "has_next": len(rows) > PAGE_SIZE,
            "filters": filters,
            "search_terms": terms,  # what an English query was also searched as
            "categories": Category.choices,
            "states": [
                (value, label) for value, label in TenderState.choices if value in PUBLIC_STATES
            ],
        },
    )


def tender_detail(request: HttpRequest, tender_id: str) -> HttpResponse:
    tender = tender_get_public(tender_id=tender_id)
    if tender is None:
        raise Http404
    downloads = None  # None: this visitor may not know who obtained the documents
    if request.user.is_authenticated:
        try:
            downloads = list(
                document_downloads_visible(acting=acting_from_request(request), tender=tender)
            )
        except PermissionDenied:
            downloads = None
    return render(
        request,
        "trading/tender_detail.html",
        {
            "tender": tender,
            "panels": [mark_safe(panel(request, tender)) for panel in tender_page_panels()],  # noqa: S308 - our own templates
            "documents": tender.documents.all(),
            "notices": notice_list_for_tender(tender_id=tender.pk),
            "downloads": downloads,
            # A bidder that obtained the documents may object while the tender is published
            # (the service decides the rest: the 10-day limit of 条例 第二十二条).
            "may_object": bool(downloads)
            and tender.state == TenderState.PUBLISHED
            and user_has_role(user=request.user, role=Role.BIDDER),
        },
    )
