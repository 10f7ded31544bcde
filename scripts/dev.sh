#!/usr/bin/env bash
# Runs the app on http://localhost:3000 with the embedded identity provider on 127.0.0.1:9229,
# rebuilding on change. Installs what it needs first.
set -euo pipefail
source "$(dirname "$0")/lib/setup.sh"
ensure_build_tools
say "starting the app: http://localhost:3000 (demo users are listed in README.md)"
exec cargo leptos watch "$@"
