#!/usr/bin/env bash
# What `npm test` needs besides npm packages: the Terraform CLI (>= 1.10), PostgreSQL's server
# binaries for the deploy-loop tests, python3 for the inventory check's program, promtool (Debian's
# prometheus package) for the alert and accounting rules, and Chromium for the fleet report's
# browser test. Installs PostgreSQL, python3, prometheus and chromium from Debian's packages when
# missing and this is root on Debian; otherwise says what to install. Terraform is never
# downloaded here (no route to HashiCorp's releases from the build machines), nor is a browser
# build: puppeteer-core drives the system's Chromium.
set -euo pipefail

have_postgres() {
  command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1
}

sudo=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; fi
can_apt() { { [ "$(id -u)" = 0 ] || [ -n "$sudo" ]; } && command -v apt-get >/dev/null 2>&1; }
updated=""
# apt_install <package> <what needs it>
apt_install() {
  echo "test prerequisites: installing $1 (apt-get install -y $1)" >&2
  if [ -z "$updated" ]; then
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || echo "test prerequisites: apt-get update failed; trying the install anyway" >&2
    updated=1
  fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$1" >/dev/null \
    || echo "test prerequisites: installing $1 failed; $2 will fail and say what is missing" >&2
}

if ! have_postgres; then
  if can_apt; then
    apt_install postgresql "the deploy-loop tests"
  else
    echo "test prerequisites: PostgreSQL's server binaries (initdb, pg_ctl) are missing: install them (Debian: sudo apt-get install -y postgresql); the deploy-loop tests start their own server" >&2
  fi
fi

if ! command -v python3 >/dev/null 2>&1; then
  if can_apt; then
    apt_install python3 "the inventory check's test"
  else
    echo "test prerequisites: python3 is missing: install it (Debian: sudo apt-get install -y python3); the inventory check's test runs its program" >&2
  fi
fi

if ! command -v promtool >/dev/null 2>&1; then
  if can_apt; then
    apt_install prometheus "the promtool tests of the alert and accounting rules"
  else
    echo "test prerequisites: promtool is missing: install it (Debian: sudo apt-get install -y prometheus); the rules tests run promtool test rules" >&2
  fi
fi

have_chromium() {
  command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1
}

if ! have_chromium && [ -z "${PUPPETEER_EXECUTABLE_PATH:-}" ]; then
  if can_apt; then
    apt_install chromium "the fleet report's browser test"
  else
    echo "test prerequisites: Chromium is missing: install it (Debian: sudo apt-get install -y chromium) or set PUPPETEER_EXECUTABLE_PATH; the fleet report's browser test opens the report in it" >&2
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
