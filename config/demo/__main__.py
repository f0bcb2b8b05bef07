"""`python -m config.demo` (`make demo`): `make run`, with the story told before the platform
starts and the platform then running on the story's clock.

The demo has a database of its own (`platform_demo` on the default server, unless DATABASE_URL
names one), so that `make run`'s database never holds a tender dated weeks ahead of its clock.
"""

import os
import sys

from config import run

# The server of the default DATABASE_URL (config/settings.py), the demo's own database.
DEMO_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/platform_demo"


def tell_the_story() -> dict[str, str]:
    """Load the demo identities, tell the story; return the environment that puts the
    platform's processes on the story's clock."""
    from django.core.management import call_command

    from accounts.demo import DEMO_PASSWORD
    from config.demo.clock import DemoClock
    from config.demo.story import run_story, teller

    call_command("load_demo")
    clock = DemoClock()
    say = teller()
    say("演示开始：一个招标项目从起草到签约", "The demo: one tender from draft to contract")
    tender = run_story(clock=clock, say=say)
    address = os.environ.get("PLATFORM_HTTP_ADDRESS", "127.0.0.1:8000")
    days = round(clock.offset / 86400)
    print(
        f"\n[demo] 平台时钟已前移约 {days} 日（仅限演示）/ the platform's clock now runs about "
        f"{days} days ahead (demo only)\n"
        f"[demo] 招标项目 / the tender:   http://{address}/tenders/{tender.pk}/\n"
        f"[demo] 开标大厅 / opening hall: http://{address}/bids/opening/{tender.pk}/\n"
        f"[demo] 登录 / log in: tenderee, bidder1, expert01, supervisor (password {DEMO_PASSWORD})"
        "\n",
        flush=True,
    )
    return clock.environment()


def main() -> int:
    named = "DATABASE_URL" in os.environ
    if not named:
        os.environ["DATABASE_URL"] = DEMO_DATABASE_URL
    return run.main(load=tell_the_story, database_named=named)


if __name__ == "__main__":
    sys.exit(main())
