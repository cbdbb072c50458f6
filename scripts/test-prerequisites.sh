#!/usr/bin/env bash
# The Debian packages the tests drive: Chromium for Playwright, the real package clients (pip, twine, poetry) and the
# Python environments applications install into (python3-venv, and git for their Git sources), and the
# tools that build test packages (conda-package-handling, python3-build); OpenLDAP's slapd, which the LDAP tests run their own of; zstd, which the server checks .conda
# uploads with; Debian's own wheels, which the parser tests accept as real-world wheels; pg_dump, which granary-admin backup
# uses with DATABASE_URL. `npm test` runs this first: as root it
# installs what is missing through apt-get; otherwise it stops at once and prints the command that would.
# src/test/tools.ts names the same packages when a test file finds one missing.
set -euo pipefail
needed=(chromium fonts-liberation bzip2 zstd conda-package-handling twine python3-build python3-setuptools python3-wheel python3-pip python3-poetry
  python3-venv git python3-pip-whl python3-setuptools-whl python3-wheel-whl slapd ldap-utils openssl postgresql-client)
missing=()
for package in "${needed[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
command="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "The tests need Debian packages that are not installed. Run, as root:" >&2
  echo "    apt-get update && $command" >&2
  exit 1
fi
echo "Installing the Debian packages the tests need: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
