#!/usr/bin/env bash
# What `npm test` needs besides npm packages: the Terraform CLI (>= 1.10) and PostgreSQL's server
# binaries for the deploy-loop tests. Installs PostgreSQL from Debian's packages when it is
# missing and this is root on Debian; otherwise says what to install. Terraform is never
# downloaded here (no route to HashiCorp's releases from the build machines).
set -euo pipefail

have_postgres() {
  command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1
}

if ! have_postgres; then
  sudo=""
  if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; fi
  if { [ "$(id -u)" = 0 ] || [ -n "$sudo" ]; } && command -v apt-get >/dev/null 2>&1; then
    echo "test prerequisites: installing PostgreSQL (apt-get install -y postgresql)" >&2
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  else
    echo "test prerequisites: PostgreSQL's server binaries (initdb, pg_ctl) are missing: install them (Debian: sudo apt-get install -y postgresql); the deploy-loop tests start their own server" >&2
  fi
fi

if ! command -v terraform >/dev/null 2>&1; then
  echo "test prerequisites: the Terraform CLI is missing: install Terraform >= 1.10 (https://developer.hashicorp.com/terraform/install); the deploy-loop tests run it offline" >&2
fi
