#!/usr/bin/env bash
# Fails when a schema.ts changed without its migration: generates into a scratch copy of
# migrations/ and expects nothing new. Fix with `npm run db:generate -- --name <change>`.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=.migration-check
rm -rf "$scratch"
cp -r migrations "$scratch"
trap 'rm -rf "$scratch"' EXIT
before=$(ls "$scratch"/*.sql | wc -l)
npx drizzle-kit generate --dialect postgresql --schema './src/**/schema.ts' --out "$scratch" --prefix index > /dev/null
after=$(ls "$scratch"/*.sql | wc -l)
if [ "$before" != "$after" ]; then
  echo "The schema files differ from the migrations. Pending change:" >&2
  cat "$(ls "$scratch"/*.sql | sort | tail -n 1)" >&2
  exit 1
fi
echo "Migrations match the schema."
