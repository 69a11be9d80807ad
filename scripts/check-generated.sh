#!/usr/bin/env bash
# Fails when gen/ differs from what `go generate .` writes from openapi/: a stale spec change, a hand edit,
# or a file in gen/ that the generator did not write. Regenerates into a temporary copy of the module, so
# the work tree is never touched. Prints the diff and names each stale file.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Copy the module without gen/, so that whatever gen/ holds must come from the generator.
(cd "$root" && tar --exclude=./gen --exclude=./.git -cf - .) | (cd "$tmp" && tar -xf -)
(cd "$tmp" && go generate .)

stale=0
while IFS= read -r f; do
  rel=${f#"$tmp"/}
  if [ ! -f "$root/$rel" ]; then
    echo "check-generated: $rel is missing: run 'make generate' and commit gen/" >&2; stale=1
  elif ! cmp -s "$f" "$root/$rel"; then
    echo "check-generated: $rel is stale or hand-edited: run 'make generate' and commit gen/" >&2
    diff -u "$root/$rel" "$f" | head -40 >&2 || true
    stale=1
  fi
done < <(find "$tmp/gen" -type f | sort)
while IFS= read -r f; do
  rel=${f#"$root"/}
  if [ ! -f "$tmp/$rel" ]; then
    echo "check-generated: $rel was not written by the generator: gen/ holds only generated code" >&2; stale=1
  fi
done < <(find "$root/gen" -type f | sort)
[ "$stale" = 0 ] && echo "check-generated: gen/ is up to date"
exit "$stale"
