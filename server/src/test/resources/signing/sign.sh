#!/usr/bin/env bash
# Signed ingest with curl and openssl; needs LARCH_URL, LARCH_KEY and LARCH_SIGNING_SECRET.
set -euo pipefail
body='{"events":[{"message":"hello signed"}]}'
ts=$(date +%s)
sig=$(printf '%s.%s' "$ts" "$body" | openssl dgst -sha256 -hmac "$LARCH_SIGNING_SECRET" | awk '{print $NF}')
curl -sS --fail-with-body "$LARCH_URL/api/log" \
  -H "Authorization: Bearer $LARCH_KEY" -H 'Content-Type: application/json' \
  -H "X-Larch-Timestamp: $ts" -H "X-Larch-Signature: v1=$sig" \
  --data-binary "$body"
