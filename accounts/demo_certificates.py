"""Demo certificates for `make run`: the platform CA, and a PKCS#12 file for every demo bidder,
expert, tenderee and agent, bound to its user, so that certificate login, bidtool and signed
tender documents work out of the box.

Idempotent: an existing CA, file or binding is kept. A file kept from another database (`make
demo` has its own, docs/operations.md) is bound again rather than replaced, so that the other
database's binding stays good.
"""

from pathlib import Path

from django.conf import settings

from accounts.demo import DEMO_PASSWORD
from accounts.models import Role, RoleMembership, User, UserCertificate
from accounts.services import IdentityError, certificate_bind
from monitoring.services import PLATFORM
from signing.certificates import CertificateAuthority
from signing.conf import ca_directory, ca_passphrase, service_credentials_issue
from signing.credentials import Credential, dump_pkcs12, load_pkcs12
from signing.errors import SigningError

# Who gets a demo certificate: those who sign (bids, reports, tender documents) or log in with one.
CERTIFIED_ROLES = [Role.BIDDER, Role.EXPERT, Role.TENDEREE, Role.AGENT]


def platform_ca_ensure() -> CertificateAuthority:
    """The platform CA with the platform's own signing and time-stamping credentials."""
    directory = ca_directory()
    if (directory / "root.pem").exists():
        authority = CertificateAuthority.open(directory, passphrase=ca_passphrase())
    else:
        authority = CertificateAuthority.initialise(directory, passphrase=ca_passphrase())
    service_credentials_issue(authority)
    return authority


def demo_certificates_issue() -> Path:
    """Issue what is missing; return the folder holding the .p12 files."""
    authority = platform_ca_ensure()
    folder = Path(settings.VAR_DIR) / "demo-certificates"
    folder.mkdir(parents=True, exist_ok=True)
    memberships = RoleMembership.objects.filter(role__in=CERTIFIED_ROLES).select_related(
        "user", "organisation"
    )
    for membership in memberships:
        user = membership.user
        path = folder / f"{user.get_username()}.p12"
        if path.exists() and UserCertificate.objects.filter(user=user).exists():
            continue
        if path.exists() and _bound_again(user, path):
            continue
        if membership.organisation is not None:
            credential = authority.issue_organisation(
                name=membership.organisation.name,
                uscc=membership.organisation.uscc,
                key_type="ec-p256",
            )
        else:
            credential = authority.issue_person(
                name=user.full_name or user.get_username(),
                person_id=user.get_username(),
                key_type="ec-p256",
            )
        certificate_bind(user=user, certificate=credential.certificate, actor=PLATFORM)
        path.write_bytes(
            dump_pkcs12(credential, DEMO_PASSWORD.encode(), friendly_name=user.get_username())
        )
        path.chmod(0o600)
    return folder


def _bound_again(user: User, path: Path) -> bool:
    """Bind the certificate of a file kept from another database; False when it cannot be (a CA
    made again since, another organisation's code): the caller issues a new one."""
    try:
        credential: Credential = load_pkcs12(path.read_bytes(), DEMO_PASSWORD.encode())
        certificate_bind(user=user, certificate=credential.certificate, actor=PLATFORM)
    except (SigningError, IdentityError):
        return False
    return True
