"""Public notices: published at once, signed by the platform, timestamped, numbered in commit
order, read through the OCDS feed and the notice pages."""

import hashlib
import shutil
import subprocess
import threading
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from monitoring.models import Event
from monitoring.services import Actor
from signing.cms import sign_detached, verify_detached
from signing.conf import platform_timestamp_authority, platform_trust_store
from signing.timestamps import token_from_response, verify_timestamp
from tests.factories import MembershipFactory, TenderFactory, days_from_now
from trading.models import Notice, NoticeKind, NoticeSequence, Tender, TenderState
from trading.notices import NoticeInvalid, notice_publish, notice_release_bytes, notice_verify
from trading.ocds import ReleaseInvalid

FEED = "/api/v1/ocds/releases"
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
CANDIDATES = [
    {
        "rank": 1,
        "name": "北京示例建设工程有限公司",
        "uscc": "91110000100000016D",
        "price_fen": 11_500_000_00,
    },
    {
        "rank": 2,
        "name": "天津样本路桥有限公司",
        "uscc": "91120000200000027E",
        "price_fen": 11_650_000_50,
    },
]


def published_tender(**fields) -> Tender:
    tender = TenderFactory(**fields)
    Tender.objects.filter(pk=tender.pk).update(
        state=TenderState.PUBLISHED, published_at=days_from_now(0)
    )
    tender.refresh_from_db()
    return tender


def tenderee_actor(tender: Tender) -> Actor:
    membership = MembershipFactory(role="tenderee", organisation=tender.project.tenderee)
    return Actor(user=membership.user, role="tenderee", client_ip="10.2.3.4")


def publish(
    tender: Tender,
    *,
    kind=NoticeKind.TENDER_NOTICE,
    title="招标公告",
    body=None,
    actor: Actor | None = None,
) -> Notice:
    with transaction.atomic():
        return notice_publish(
            tender=tender,
            kind=kind,
            title=title,
            body=body if body is not None else {"text": "现对该项目进行公开招标。"},
            actor=actor or Actor(role="platform"),
        )


# Publishing


@pytest.mark.django_db
def test_publishing_a_notice_stores_the_signed_release_and_logs_it(platform_ca, settings):
    settings.OCDS_OCID_PREFIX = "ocds-a1b2c3"
    tender = published_tender()
    actor = tenderee_actor(tender)
    notice = publish(tender, title="示范中学教学楼招标公告", actor=actor)
    notice.refresh_from_db()
    data = notice_release_bytes(notice)
    assert notice.sequence == 1
    assert NoticeSequence.objects.get(pk=1).last_sequence == 1
    assert (notice.kind, notice.title) == ("tender_notice", "示范中学教学楼招标公告")
    assert notice.body == {"text": "现对该项目进行公开招标。"}
    assert notice.release["id"] == str(notice.pk)
    assert notice.release["ocid"] == f"ocds-a1b2c3-{tender.pk}"
    assert notice.release["date"] == notice.published_at.astimezone(
        ZoneInfo("Asia/Shanghai")
    ).isoformat(timespec="seconds")
    assert notice.release_sha256 == hashlib.sha256(data).hexdigest()
    event = Event.objects.get(action="notice.published")
    assert (event.object_type, event.object_id, event.role, event.actor_id, event.client_ip) == (
        "trading.notice",
        str(notice.pk),
        "tenderee",
        actor.user.pk,
        "10.2.3.4",
    )
    assert event.payload == {
        "tender": str(tender.pk),
        "kind": "tender_notice",
        "sequence": 1,
        "ocid": f"ocds-a1b2c3-{tender.pk}",
        "release_id": str(notice.pk),
        "release_sha256": notice.release_sha256,
    }


@pytest.mark.django_db
def test_the_signature_verifies_against_the_platform_trust_store_and_the_token_too(platform_ca):
    notice = publish(published_tender())
    notice.refresh_from_db()
    data = notice_release_bytes(notice)
    signed = verify_detached(bytes(notice.platform_signature), data, trust=platform_trust_store())
    assert (signed.identity.kind, signed.identity.name) == ("service", "Trading Platform")
    stamp = verify_timestamp(bytes(notice.timestamp_token), data, trust=platform_trust_store())
    assert stamp.message_digest == hashlib.sha256(data).digest()
    assert stamp.authority.name == "Trading Platform Time-Stamping Authority"
    assert abs((stamp.generated_at - notice.published_at).total_seconds()) < 5


@pytest.mark.django_db
def test_notice_verify_reports_the_digest_signature_and_timestamp_it_checked(platform_ca):
    notice = publish(published_tender())
    notice.refresh_from_db()
    verification = notice_verify(notice)
    assert verification.release_sha256 == notice.release_sha256
    assert verification.checks == ("release", "digest", "timestamp", "signature")
    assert verification.signature.identity.name == "Trading Platform"
    assert verification.timestamp.message_digest.hex() == notice.release_sha256


@pytest.mark.django_db
def test_a_changed_release_is_caught_by_notice_verify(platform_ca):
    notice = publish(published_tender())
    changed = dict(
        notice.release,
        tender=dict(
            notice.release["tender"],
            value={
                "amount": 1.0,
                "currency": "CNY",
            },
        ),
    )
    Notice.objects.filter(pk=notice.pk).update(release=changed)
    notice.refresh_from_db()
    with pytest.raises(NoticeInvalid) as caught:
        notice_verify(notice)
    assert caught.value.check == "digest"
    assert "the release was changed" in str(caught.value)


@pytest.mark.django_db
def test_a_changed_release_with_its_digest_recomputed_fails_the_timestamp(platform_ca):
    notice = publish(published_tender())
    changed = dict(notice.release, date="2020-01-01T00:00:00+08:00")
    Notice.objects.filter(pk=notice.pk).update(
        release=changed,
        release_sha256=hashlib.sha256(notice_release_bytes(Notice(release=changed))).hexdigest(),
    )
    notice.refresh_from_db()
    with pytest.raises(NoticeInvalid) as caught:
        notice_verify(notice)
    assert caught.value.check == "timestamp"
    assert "imprint does not match" in str(caught.value)


@pytest.mark.django_db
def test_a_release_signed_by_a_bidder_and_timestamped_is_not_the_platforms(
    platform_ca, bidder_credential_ec
):
    notice = publish(published_tender())
    data = notice_release_bytes(notice)
    Notice.objects.filter(pk=notice.pk).update(
        platform_signature=sign_detached(data, credential=bidder_credential_ec),
        timestamp_token=platform_timestamp_authority().timestamp(data),
    )
    notice.refresh_from_db()
    with pytest.raises(NoticeInvalid) as caught:
        notice_verify(notice)
    assert caught.value.check == "signature"
    assert "北京示例建设工程有限公司 (organisation), not by the platform" in str(caught.value)


@pytest.mark.django_db
def test_a_signature_of_another_notice_is_caught(platform_ca):
    tender = published_tender()
    first, second = publish(tender), publish(tender, title="补充公告")
    Notice.objects.filter(pk=second.pk).update(platform_signature=first.platform_signature)
    second.refresh_from_db()
    with pytest.raises(NoticeInvalid) as caught:
        notice_verify(second)
    assert caught.value.check == "signature"


@pytest.mark.django_db
def test_a_release_moved_to_another_notice_is_caught(platform_ca):
    tender = published_tender()
    first, second = publish(tender), publish(tender, title="补充公告")
    Notice.objects.filter(pk=second.pk).update(
        release=first.release,
        release_sha256=first.release_sha256,
        platform_signature=first.platform_signature,
        timestamp_token=first.timestamp_token,
    )
    second.refresh_from_db()
    with pytest.raises(NoticeInvalid) as caught:
        notice_verify(second)
    assert caught.value.check == "release"


@pytest.mark.django_db
def test_a_rolled_back_notice_leaves_no_gap_in_the_sequence(platform_ca):
    tender = published_tender()
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        notice_publish(
            tender=tender, kind="tender_notice", title="作废", body={}, actor=Actor(role="platform")
        )
        1 / 0  # noqa: B018 — the caller's change fails after the notice was written
    assert not Notice.objects.exists()
    assert publish(tender).sequence == 1


@pytest.mark.django_db
def test_an_unknown_kind_or_an_empty_title_is_refused(platform_ca):
    tender = published_tender()
    with pytest.raises(ReleaseInvalid) as kind:
        publish(tender, kind="press_release")
    assert kind.value.field == "kind"
    with pytest.raises(ReleaseInvalid) as title:
        publish(tender, title="  ")
    assert title.value.field == "title"
    assert not Notice.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_notice_publish_refuses_to_run_outside_a_transaction(platform_ca):
    tender = published_tender()
    with pytest.raises(RuntimeError, match="inside the caller's transaction"):
        notice_publish(
            tender=tender, kind="tender_notice", title="公告", body={}, actor=Actor(role="platform")
        )
    assert not Notice.objects.exists()


# The feed


@pytest.mark.django_db
def test_the_feed_pages_by_after_and_limit_in_sequence_order(client, platform_ca):
    tender = published_tender()
    notices = [publish(tender, title=f"公告 {number}") for number in range(5)]
    first = client.get(FEED, {"limit": 2}).json()
    assert [release["id"] for release in first["releases"]] == [
        str(notices[0].pk),
        str(notices[1].pk),
    ]
    assert first["releases"][0] == Notice.objects.get(pk=notices[0].pk).release
    assert (first["version"], first["publisher"]) == ("1.1", {"name": "公共资源交易平台"})
    assert first["uri"] == "http://testserver/api/v1/ocds/releases?limit=2"
    assert first["cursor"] == 2
    assert first["next"] == "http://testserver/api/v1/ocds/releases?after=2&limit=2"
    assert first["links"] == {"next": first["next"]}
    assert "extensions" not in first
    second = client.get(first["next"]).json()
    assert [release["id"] for release in second["releases"]] == [
        str(notices[2].pk),
        str(notices[3].pk),
    ]
    third = client.get(second["next"]).json()
    assert [release["id"] for release in third["releases"]] == [str(notices[4].pk)]
    assert (third["cursor"], third["next"]) == (5, None)
    empty = client.get(FEED, {"after": 5}).json()
    assert (empty["releases"], empty["cursor"], empty["next"]) == ([], 5, None)
    everything = client.get(FEED).json()
    assert len(everything["releases"]) == 5 and everything["next"] is None


@pytest.mark.django_db
def test_a_page_of_the_feed_costs_one_query(client, platform_ca):
    tender = published_tender()
    for number in range(3):
        publish(tender, title=f"公告 {number}")
    with CaptureQueriesContext(connection) as captured:
        assert len(client.get(FEED, {"limit": 500}).json()["releases"]) == 3
    assert len(captured) == 1


@pytest.mark.django_db
def test_an_opening_record_in_the_page_declares_the_bid_extension(client, platform_ca):
    tender = published_tender()
    publish(tender, kind=NoticeKind.OPENING_RECORD, title="开标记录", body={"bids": CANDIDATES})
    page = client.get(FEED).json()
    assert page["extensions"] == [
        "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/"
        "v1.1.5/extension.json"
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"limit": "0"}, "limit", "Ensure this value is greater than or equal to 1."),
        ({"limit": "501"}, "limit", "Ensure this value is less than or equal to 500."),
        ({"limit": "many"}, "limit", "A valid integer is required."),
        ({"after": "-1"}, "after", "Ensure this value is greater than or equal to 0."),
        ({"after": "2026-01-01"}, "after", "A valid integer is required."),
    ],
)
def test_a_bad_after_or_limit_gets_a_400_naming_the_field(client, query, field, message):
    response = client.get(FEED, query, **ENGLISH)
    assert response.status_code == 400
    assert response.json() == {"error": "invalid", "message": message, "field": field}


@pytest.mark.django_db
def test_one_release_by_its_id_and_a_json_404_for_an_unknown_one(client, platform_ca):
    notice = publish(published_tender())
    response = client.get(f"{FEED}/{notice.pk}")
    assert response.status_code == 200
    assert response.json() == Notice.objects.get(pk=notice.pk).release
    assert response.json()["id"] == str(notice.pk)
    for unknown in ("00000000-0000-0000-0000-000000000000", "not-a-release"):
        missing = client.get(f"{FEED}/{unknown}", **ENGLISH)
        assert missing.status_code == 404
        assert missing.json() == {
            "error": "not_found",
            "message": f"No release has the id '{unknown}'.",
        }


@pytest.mark.django_db(transaction=True)
def test_the_feed_returns_every_release_exactly_once_under_concurrent_writes(client, platform_ca):
    writers, per_writer = 4, 25
    tenders = [published_tender() for _ in range(writers)]
    start = threading.Barrier(writers + 1)
    failures: list[BaseException] = []

    def write(tender: Tender) -> None:
        try:
            start.wait()
            for number in range(per_writer):
                publish(tender, title=f"公告 {number}")
        except BaseException as error:  # reported by the main thread
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(tender,)) for tender in tenders]
    for thread in threads:
        thread.start()
    seen: list[str] = []
    cursor, pages_during_writes = 0, 0
    start.wait()
    while True:
        writing = any(thread.is_alive() for thread in threads)
        page = client.get(FEED, {"after": cursor, "limit": 7}).json()
        ids = [release["id"] for release in page["releases"]]
        # Commit order is sequence order: what is visible is always a prefix, so a page never
        # jumps over a sequence that a slower writer has yet to commit.
        assert page["cursor"] - cursor == len(ids)
        seen.extend(ids)
        cursor = page["cursor"]
        pages_during_writes += bool(ids) and writing
        if not writing and not ids:
            break
    for thread in threads:
        thread.join()
    assert failures == []
    sequences = dict(Notice.objects.values_list("id", "sequence"))
    assert len(sequences) == writers * per_writer
    assert len(seen) == len(set(seen)) == writers * per_writer
    assert sorted(sequences[uuid.UUID(item)] for item in seen) == list(
        range(1, writers * per_writer + 1)
    )
    assert [sequences[uuid.UUID(item)] for item in seen] == list(range(1, writers * per_writer + 1))
    assert pages_during_writes > 1
    assert Event.objects.filter(action="notice.published").count() == writers * per_writer


# Pages


@pytest.mark.django_db
def test_the_notice_page_shows_content_time_in_beijing_digest_and_proof_links(client, platform_ca):
    tender = published_tender(title="示范中学教学楼新建工程 第1标段")
    notice = publish(
        tender,
        kind=NoticeKind.CANDIDATE_PUBLICITY,
        title="中标候选人公示",
        body={"text": "公示期三日。", "candidates": CANDIDATES},
    )
    notice.refresh_from_db()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/notices/{notice.pk}/")
    assert response.status_code == 200
    assert len(captured) == 1
    page = response.content.decode()
    shanghai = notice.published_at.astimezone(ZoneInfo("Asia/Shanghai"))
    assert "<h1>中标候选人公示</h1>" in page
    assert "示范中学教学楼新建工程 第1标段" in page
    assert "<p>公示期三日。</p>" in page
    assert shanghai.strftime("%Y-%m-%d %H:%M:%S") in page
    assert "11,650,000.50" in page and "天津样本路桥有限公司" in page
    assert notice.release_sha256 in page
    assert f'href="/notices/{notice.pk}/signature.p7s"' in page
    assert f'href="/notices/{notice.pk}/timestamp.tsr"' in page
    assert f'href="/notices/{notice.pk}/release.json"' in page
    assert f'href="/tenders/{tender.pk}/"' in page
    assert client.get("/notices/00000000-0000-0000-0000-000000000000/").status_code == 404


@pytest.mark.django_db
def test_the_downloads_are_the_signed_bytes_the_signature_and_the_token(client, platform_ca):
    notice = publish(published_tender())
    notice.refresh_from_db()
    release = client.get(f"/notices/{notice.pk}/release.json")
    assert release["Content-Type"] == "application/json; charset=utf-8"
    assert hashlib.sha256(release.content).hexdigest() == notice.release_sha256
    signature = client.get(f"/notices/{notice.pk}/signature.p7s")
    assert signature["Content-Type"] == "application/pkcs7-signature"
    assert signature["Content-Disposition"] == f'attachment; filename="notice-{notice.pk}.p7s"'
    assert signature.content == bytes(notice.platform_signature)
    reply = client.get(f"/notices/{notice.pk}/timestamp.tsr")
    assert reply["Content-Type"] == "application/timestamp-reply"
    assert token_from_response(reply.content) == bytes(notice.timestamp_token)


@pytest.mark.django_db
@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_openssl_alone_verifies_a_downloaded_notice(client, platform_ca, tmp_path):
    notice = publish(published_tender())
    for name in ("release.json", "signature.p7s", "timestamp.tsr"):
        (tmp_path / name).write_bytes(client.get(f"/notices/{notice.pk}/{name}").content)
    root, issuing = platform_ca.directory / "root.pem", platform_ca.directory / "issuing.pem"
    cms = subprocess.run(
        [
            "openssl",
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            "signature.p7s",
            "-content",
            "release.json",
            "-CAfile",
            str(root),
            "-purpose",
            "any",
            "-out",
            "/dev/null",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert cms.returncode == 0, cms.stderr
    assert "Verification successful" in cms.stderr

    def openssl_ts_verify() -> subprocess.CompletedProcess:
        return subprocess.run(
            [
                "openssl",
                "ts",
                "-verify",
                "-data",
                "release.json",
                "-in",
                "timestamp.tsr",
                "-CAfile",
                str(root),
                "-untrusted",
                str(issuing),
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )

    ts = openssl_ts_verify()
    assert ts.returncode == 0, ts.stderr
    assert "Verification: OK" in ts.stdout
    (tmp_path / "release.json").write_bytes(
        (tmp_path / "release.json").read_bytes().replace(b'"CNY"', b'"USD"')
    )
    changed = openssl_ts_verify()
    assert changed.returncode != 0


@pytest.mark.django_db
def test_a_tenders_notice_list_is_in_publication_order_at_one_query(client, platform_ca):
    tender, other = published_tender(), published_tender()
    publish(tender, title="招标公告")
    publish(other, title="别的标段的公告")
    publish(tender, kind=NoticeKind.AMENDMENT, title="澄清与修改公告", body={"reason": "图纸更正"})
    fragment = {"HX-Request": "true"}
    with CaptureQueriesContext(connection) as captured:
        page = client.get(f"/notices/tender/{tender.pk}/", headers=fragment).content.decode()
    assert len(captured) == 1
    assert page.index("招标公告") < page.index("澄清与修改公告")
    assert "别的标段的公告" not in page
    for number in range(5):
        publish(tender, kind=NoticeKind.AMENDMENT, title=f"修改 {number}", body={})
    with CaptureQueriesContext(connection) as again:
        client.get(f"/notices/tender/{tender.pk}/", headers=fragment)
    assert len(again) == 1
    # Opened by itself, the list is a page of the site (its tender named, the site's styles).
    whole = client.get(f"/notices/tender/{tender.pk}/").content.decode()
    assert "platform.css" in whole and tender.title in whole and "澄清与修改公告" in whole
    empty = client.get(f"/notices/tender/{published_tender().pk}/", **ENGLISH).content.decode()
    assert "No notice has been published for this tender yet." in empty
