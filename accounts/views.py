from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.selectors import user_memberships


def home(request: HttpRequest) -> HttpResponse:
    memberships = user_memberships(user=request.user) if request.user.is_authenticated else []
    return render(request, "home.html", {"memberships": memberships})
