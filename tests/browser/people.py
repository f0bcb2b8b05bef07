"""The cast of the browser journeys: people who log in with a password, and their organisations'
certificates written where their tools read them."""

from pathlib import Path

from accounts.models import Organisation, Role, User
from signing.credentials import Credential, dump_pkcs12
from tests.factories import MembershipFactory, UserFactory

PASSWORD = "browser-journey-2026"


def person_with_password(
    *, username: str, full_name: str, role: Role, organisation: Organisation | None
) -> User:
    user = UserFactory(username=username, full_name=full_name)
    MembershipFactory(role=role, organisation=organisation, user=user)
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return user


def give_password(user: User) -> User:
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return user


def write_certificate(credential: Credential, folder: Path, name: str) -> tuple[Path, Path]:
    """The organisation's .p12 and its password file, as its people keep them."""
    folder.mkdir(parents=True, exist_ok=True)
    password = folder / f"{name}.pw"
    password.write_text(f"{name} secret\n")
    certificate = folder / f"{name}.p12"
    certificate.write_bytes(dump_pkcs12(credential, f"{name} secret".encode(), friendly_name=name))
    return certificate, password
