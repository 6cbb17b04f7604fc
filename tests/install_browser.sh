#!/usr/bin/env bash
# Debian's Chromium and its ChromeDriver for tests/flows/test_ui.py; does nothing when both are there.
# Without root or apt-get it says so and leaves the UI test to skip with that reason.
set -euo pipefail
if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
    exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "install_browser.sh: no root or no apt-get; the browser test of the UI will be skipped" >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
chromium --version
