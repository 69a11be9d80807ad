#!/usr/bin/env bash
# Fails when a spec in openapi/ changed in a way that breaks clients (an ERR change of `apikit diff`) and
# CHANGELOG.md's unreleased section does not acknowledge it (see the header of CHANGELOG.md).
#
# Each spec (openapi/*.yaml with a top-level `openapi:` key; the *.codegen.yaml configs and overlays are not
# specs) in the working tree is compared with the same file at the base, each with its vendor's overlay applied
# when it has one there (<vendor>.overlay.yaml beside it, or the file its codegen config names: apikit diff finds
# it), so an overlay added or changed is judged like an edit of the spec, with one difference: a new response enum
# value that an overlay action marked x-apikit-evidence adds (apikit validate --propose writes the marker) is WARN,
# not ERR, since it records what the vendor already sends. The base:
#   BASE_REF if set; else `git merge-base HEAD origin/main` if origin/main exists; else the last tag; else HEAD~1.
# Skips, exiting 0 with a message, when there is no base (a single commit, a shallow clone) or when a spec did not
# exist at the base.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

skip() { echo "check-breaking: skipped: $*"; exit 0; }

if ! git rev-parse --git-dir >/dev/null 2>&1; then
  skip "not a git repository, so there is no base to compare with"
fi

if [ -n "${BASE_REF:-}" ]; then
  base=$BASE_REF
  how="BASE_REF"
  # An explicit base that does not exist is a mistake, not a reason to skip.
  if ! git rev-parse --verify --quiet "$base^{commit}" >/dev/null; then
    echo "check-breaking: BASE_REF=$base is not a commit in this repository" >&2
    exit 2
  fi
elif git rev-parse --verify --quiet "refs/remotes/origin/main^{commit}" >/dev/null; then
  base=$(git merge-base HEAD origin/main 2>/dev/null) ||
    skip "HEAD and origin/main share no commit here (a shallow clone?): no base to compare with"
  how="merge base with origin/main"
elif base=$(git describe --tags --abbrev=0 2>/dev/null); then
  how="last tag"
elif git rev-parse --verify --quiet "HEAD~1^{commit}" >/dev/null; then
  base=HEAD~1
  how="previous commit"
else
  skip "HEAD has no parent, no tag and no origin/main (a single commit or a shallow clone): no base to compare with"
fi
base=$(git rev-parse --short=12 "$base^{commit}")
echo "check-breaking: base $base ($how)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/apikit" ./cmd/apikit

status=0
for f in openapi/*.yaml; do
  case $f in *.codegen.yaml) continue ;; esac
  grep -q '^openapi:' "$f" || continue
  if ! git cat-file -e "$base:$f" 2>/dev/null; then
    echo "check-breaking: $f: skipped: it did not exist at $base"
    continue
  fi
  rc=0
  "$tmp/apikit" diff --changelog CHANGELOG.md "$base:$f" "$f" || rc=$?
  if [ "$rc" -gt "$status" ]; then status=$rc; fi
done
case $status in
  0) echo "check-breaking: ok: no unacknowledged breaking change" ;;
  1) echo "check-breaking: FAIL: breaking change(s) above; if intended, name each in CHANGELOG.md under '## Unreleased' (see its header)" >&2 ;;
  *) echo "check-breaking: error: see above" >&2 ;;
esac
exit "$status"
