#!/usr/bin/env bash
# What the browser tests (tests/browser, docs/pages.md) need from the machine: Debian's Chromium
# and a font with Chinese glyphs (without one, zh-Hans screenshots show empty boxes). Installed
# with apt where it is missing and apt can install (root, as on CI); elsewhere this says so and
# the browser tests skip with that reason. Never fails the run: a machine without apt still tests
# everything else.
set -uo pipefail

CHROMIUM=${PLATFORM_CHROMIUM:-/usr/bin/chromium}
FONT=/usr/share/fonts/truetype/wqy/wqy-microhei.ttc
packages=()
[ -x "$CHROMIUM" ] || packages+=(chromium)
[ -e "$FONT" ] || packages+=(fonts-wqy-microhei)
[ ${#packages[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "browser tests: ${packages[*]} missing and no apt-get here; they will be skipped" >&2
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "browser tests: ${packages[*]} missing; install them as root" \
        "(apt-get install ${packages[*]}) or they will be skipped" >&2
    exit 0
fi
echo "browser tests: installing ${packages[*]} from Debian's packages" >&2
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${packages[@]}"; } \
    >/tmp/browser-prerequisites.log 2>&1; then
    echo "browser tests: apt-get could not install ${packages[*]}" \
        "(see /tmp/browser-prerequisites.log); they will be skipped" >&2
fi
exit 0
