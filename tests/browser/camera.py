"""The camera of the browser tests: people in their own browser contexts, and `shoot`, which
checks the page a person is on in both languages and keeps a screenshot of each.

Each shot of a page, in Simplified Chinese (the default) and then in English:
- the page answered with the status expected of it and names its language (<html lang>);
- no message of type error on the browser's console, no uncaught script error;
- axe-core (the copy axe-playwright-python vendors) finds no serious or critical violation of
  WCAG 2.1 A/AA or its best practices (the others are listed in axe-report.txt);
- no template code or term code leaks into the text a person reads;
- a full-page PNG under the screenshot folder: <journey>/<nn>-<name>.<language>.png.
The page is left in Chinese, as the person found it.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LANGUAGES = ("zh-hans", "en")
COOKIE = "django_language"  # settings.LANGUAGE_COOKIE_NAME
BLOCKING = ("serious", "critical")
# What a person must never read: template syntax, a price in fen, a term's code.
# The text a person reads as prose: commands to copy (pre, code) name their options as they are.
READABLE_TEXT = """() => {
  const body = document.body.cloneNode(true);
  body.querySelectorAll("pre, code, script, style, [hidden]").forEach((node) => node.remove());
  return body.textContent;
}"""
LEAKS = re.compile(r"\{\{|\{%|_fen\b|\b(?:tender_documents|decrypt_failed|bidding_closed)\b")


@dataclass
class Person:
    """One person's browser (its own cookies: its own session) and page."""

    name: str
    context: Any
    page: Any
    console: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # responses of 400 and over, for the report

    def goto(self, url: str, expected_status: int = 200) -> None:
        response = self.page.goto(url)
        assert response is not None and response.status == expected_status, (
            f"{url}: {response.status if response else 'no response'}, not {expected_status}"
        )


class Camera:
    def __init__(self, *, browser: Any, server: str, folder: Path) -> None:
        self.browser = browser
        self.server = server
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.people: list[Person] = []
        self.shots: list[Path] = []
        self.count = 0

    def person(self, name: str) -> Person:
        context = self.browser.new_context(
            base_url=self.server,
            viewport={"width": 1280, "height": 900},
            accept_downloads=True,
            locale="zh-CN",
        )
        context.add_cookies([{"name": COOKIE, "value": "zh-hans", "url": self.server}])
        page = context.new_page()
        person = Person(name=name, context=context, page=page)
        page.on(
            "console",
            lambda message: (
                person.console.append(f"{message.type}: {message.text}")
                if message.type == "error"
                else None
            ),
        )
        page.on("pageerror", lambda error: person.console.append(f"uncaught: {error}"))
        page.on(
            "response",
            lambda response: (
                person.failed.append(f"{response.status} {response.url}")
                if response.status >= 400
                else None
            ),
        )
        self.people.append(person)
        return person

    def log_in(self, person: Person, username: str, password: str, *, shoot: bool = True) -> None:
        """Log in with a password; `shoot=False` when the login page was photographed already
        (a person back after its idle session ended)."""
        person.goto("/accounts/login/")
        if shoot:
            self.shoot(person, "login")
        person.page.fill("input[name=username]", username)
        person.page.fill("input[name=password]", password)
        person.page.click("form.login button[type=submit]")
        person.page.wait_for_load_state()
        assert "/accounts/login/" not in person.page.url, f"{username} could not log in"

    def shoot(self, person: Person, name: str, *, status: int = 200, axe: bool = True) -> None:
        """Check and photograph the page `person` is on, in both languages (see the module)."""
        self.count += 1
        for language in LANGUAGES:
            if language != LANGUAGES[0]:
                self._switch(person, language, status)
            self._check(person, name, language, status, axe)
            path = self.folder / f"{self.count:02d}-{person.name}-{name}.{language}.png"
            person.page.screenshot(path=str(path), full_page=True)
            self.shots.append(path)
        self._switch(person, LANGUAGES[0], status)
        self._check(person, name, LANGUAGES[0], status, axe=False)

    def _switch(self, person: Person, language: str, status: int) -> None:
        person.context.add_cookies([{"name": COOKIE, "value": language, "url": self.server}])
        response = person.page.reload()
        assert response is not None and response.status == status, (
            f"{person.page.url} in {language}: {response.status if response else 'none'}"
        )
        person.page.wait_for_load_state("networkidle")

    def _check(self, person: Person, name: str, language: str, status: int, axe: bool) -> None:
        page = person.page
        where = f"{name} ({person.name}, {language}, {page.url})"
        if page.locator("html[lang]").count():
            assert page.get_attribute("html", "lang") == language, where
        errors = [
            line
            for line in person.console
            # The error page's own status is what is shown, not an error of the page.
            if not (status >= 400 and f"status of {status}" in line)
        ]
        failed = list(person.failed)
        person.console.clear()
        person.failed.clear()
        assert errors == [], f"console errors on {where}: {errors} (failed: {failed})"
        leaks = LEAKS.findall(page.evaluate(READABLE_TEXT))
        assert leaks == [], f"codes shown to a person on {where}: {leaks}"
        if axe:
            self._axe(page, where)

    def _axe(self, page: Any, where: str) -> None:
        from axe_playwright_python.sync_playwright import Axe

        results = Axe().run(page).response
        report = self.folder / "axe-report.txt"
        with report.open("a", encoding="utf-8") as out:
            for violation in results["violations"]:
                out.write(
                    f"{where}: {violation['impact']} {violation['id']}: {violation['help']} "
                    f"({len(violation['nodes'])} nodes)\n"
                )
        blocking = [
            f"{violation['id']} ({violation['impact']}): {violation['help']} — "
            + "; ".join(node["target"][0] for node in violation["nodes"][:3])
            for violation in results["violations"]
            if violation["impact"] in BLOCKING
        ]
        assert blocking == [], f"axe-core on {where}: {blocking}"

    def close(self) -> None:
        for person in self.people:
            person.context.close()
