"""The home page and the admin, in Simplified Chinese by default and in English on request."""

import pytest
from django.utils import translation

from accounts.demo import DEMO_PASSWORD, load_demo_identities
from accounts.models import Role
from accounts.uscc import UsccError, validate_uscc
from tests.factories import MembershipFactory


@pytest.mark.django_db
def test_a_visitor_sees_the_home_page_in_chinese():
    from django.test import Client

    response = Client().get("/")  # no Accept-Language: the platform's default language
    page = response.content.decode()
    assert response.status_code == 200
    assert "公共资源交易平台" in page
    assert "信息全公开" in page


@pytest.mark.django_db
def test_a_visitor_asking_for_english_gets_english(client):
    response = client.get("/", headers={"accept-language": "en"})
    page = response.content.decode()
    assert "Public-resource trading platform" in page
    assert "Information fully public" in page


def test_a_wrong_code_is_explained_in_chinese():
    with translation.override("zh-hans"), pytest.raises(UsccError) as refused:
        validate_uscc("914403001922038217")
    assert str(refused.value) == "校验码（第18位）错误：应为6，实为7。"


@pytest.mark.django_db
def test_the_operator_opens_the_admin_with_the_demo_login(client):
    load_demo_identities()
    assert client.login(username="operator", password=DEMO_PASSWORD)
    response = client.get("/admin/monitoring/event/")
    assert response.status_code == 200
    assert "organisation.registered" in response.content.decode()


@pytest.mark.django_db
def test_events_cannot_be_added_or_deleted_in_the_admin(client):
    load_demo_identities()
    client.login(username="operator", password=DEMO_PASSWORD)
    from monitoring.models import Event

    event = Event.objects.first()
    assert client.get("/admin/monitoring/event/add/").status_code == 403
    assert client.get(f"/admin/monitoring/event/{event.pk}/delete/").status_code == 403
    response = client.post(f"/admin/monitoring/event/{event.pk}/change/", {"action": "forged"})
    assert response.status_code == 403
    event.refresh_from_db()
    assert event.action == "organisation.registered"


@pytest.mark.django_db
def test_an_unknown_address_shows_the_platforms_404_page_not_the_routes():
    from django.test import Client

    response = Client().get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "<h1>页面没有找到</h1>" in page
    assert "urlpatterns" not in page and "URLconf" not in page


@pytest.mark.django_db
def test_the_language_switch_names_each_language_in_its_own_words():
    from django.test import Client

    page = Client().get("/").content.decode()
    assert '<span class="current-language" lang="zh-hans" aria-current="true">中文</span>' in page
    assert 'value="en" lang="en">English</button>' in page
    assert "英文" not in page


@pytest.mark.django_db
def test_the_api_documentation_loads_swagger_from_the_platform(client):
    page = client.get("/api/v1/docs").content.decode()
    script = client.get("/api/v1/docs", {"script": ""})
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower() and "<script>" not in page  # the policy allows neither
    assert script.status_code == 200 and script["Content-Type"] == "application/javascript"


@pytest.mark.django_db
def test_a_refused_page_says_why_on_the_403_page(client):
    user = MembershipFactory(role=Role.BIDDER).user
    client.force_login(user)
    response = client.get("/tenders/workspace/new/")
    assert response.status_code == 403
    assert "Only a tenderee or its agent drafts tenders." in response.content.decode()
    assert "My tenders" not in response.content.decode()  # nor offered in the navigation
