#!/usr/bin/env bash
# The permission tests again as a non-root user: CI runs as root, and root reads any file whatever its mode,
# so those tests skip their unreadable-file checks there. Runs them as `nobody` (or $BACKFLOW_TEST_USER) when
# this runs as root; as a non-root user they already ran in `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "permission tests: already run as $(id -un)"; exit 0; }
user="${BACKFLOW_TEST_USER:-nobody}"
home="$(mktemp -d)"
chown "$user" "$home"
files=$(grep -rlE "getuid|0o000|EACCES" test --include='*.test.ts' | sort)
echo "permission tests as $user: $files"
# shellcheck disable=SC2086
runuser -u "$user" -- env HOME="$home" NO_COLOR=1 npx jest --maxWorkers=1 $files
rm -rf "$home"
