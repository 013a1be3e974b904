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
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || echo "test prerequisites: apt-get update failed; trying the install anyway" >&2
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null \
      || echo "test prerequisites: installing PostgreSQL failed; the deploy-loop tests will fail and say what is missing" >&2
  else
    echo "test prerequisites: PostgreSQL's server binaries (initdb, pg_ctl) are missing: install them (Debian: sudo apt-get install -y postgresql); the deploy-loop tests start their own server" >&2
  fi
fi

if ! command -v terraform >/dev/null 2>&1; then
  echo "test prerequisites: the Terraform CLI is missing: install Terraform >= 1.10 (https://developer.hashicorp.com/terraform/install); the deploy-loop tests run it offline" >&2
else
  version=$(CHECKPOINT_DISABLE=1 terraform version 2>/dev/null | sed -n '1s/^Terraform v//p')
  if ! printf '1.10.0\n%s\n' "$version" | sort -C -V; then
    echo "test prerequisites: Terraform $version is older than 1.10: install Terraform >= 1.10; the deploy-loop tests need it" >&2
  fi
fi
