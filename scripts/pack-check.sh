#!/usr/bin/env bash
# Checks what `npm pack` ships, the way a user gets it: packs the project (prepack builds it) into a temp
# folder, checks the tarball's contents, installs the tarball into an empty temp folder with
# `npm install <tarball>` (dependencies from the npm registry), then runs the installed CLI:
# `npx nova-cleanup --help`, `nova-cleanup types --json`, and a `--dry-run --json` against moto
# (.moto/bin/moto_server, installed by scripts/setup-moto.sh; NOVA_MOTO_SERVER overrides it, as for the
# end-to-end tests). Exits 0 when all of it works, 1 with a "pack-check: FAILED: ..." line otherwise.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
started=$SECONDS

work=$(mktemp -d "${TMPDIR:-/tmp}/nova-pack-check.XXXXXX") || { echo "pack-check: FAILED: cannot make a temp folder" >&2; exit 1; }
moto_pid=""
cleanup() {
  if [ -n "$moto_pid" ] && kill -0 "$moto_pid" 2>/dev/null; then
    kill "$moto_pid" 2>/dev/null
    for _ in $(seq 30); do kill -0 "$moto_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$moto_pid" 2>/dev/null
    wait "$moto_pid" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

say() { echo "pack-check: [$((SECONDS - started)) s] $*"; }
# die <message> [log file]: prints the message (and the tail of the log), exits 1 (the trap cleans up).
die() {
  echo "pack-check: FAILED: $1" >&2
  if [ -n "${2:-}" ] && [ -s "$2" ]; then echo "--- last lines of $(basename "$2"):" >&2; tail -n 40 "$2" >&2; fi
  exit 1
}

# 1. Pack (prepack runs `npm run build`).
mkdir -p "$work/pack" "$work/app" "$work/run"
say "npm pack (prepack builds the CLI)"
npm pack --pack-destination "$work/pack" >"$work/pack.log" 2>&1 || die "npm pack failed" "$work/pack.log"
tarballs=("$work"/pack/*.tgz)
[ "${#tarballs[@]}" -eq 1 ] && [ -f "${tarballs[0]}" ] || die "npm pack did not leave exactly one tarball" "$work/pack.log"
tarball=${tarballs[0]}

# 2. What it holds: the CLI and the documents, not the demo, benchmark, tests, sources or source maps.
tar -tzf "$tarball" | sed 's#^package/##' | sort >"$work/contents.txt" || die "cannot list $tarball"
for f in package.json bin/nova-cleanup.js dist/src/cli.js README.md SECURITY.md LICENSE; do
  grep -qxF "$f" "$work/contents.txt" || die "the tarball lacks $f" "$work/contents.txt"
done
if grep -E '^(dist/scripts/|dist/test/|scripts/|test/|src/|\.moto/|nova-cleanup-backups/)|\.map$|\.ts$' "$work/contents.txt" >"$work/unwanted.txt"; then
  die "the tarball holds files it must not" "$work/unwanted.txt"
fi
size=$(wc -c <"$tarball" | tr -d ' ')
say "$(basename "$tarball"): $(wc -l <"$work/contents.txt" | tr -d ' ') files, $((size / 1024)) kB"

# 3. Install it into an empty folder (the package.json only anchors npm there, so it cannot install into a
#    parent folder that happens to have one).
echo '{ "name": "nova-pack-check", "private": true }' >"$work/app/package.json"
say "npm install <tarball> into an empty folder"
(cd "$work/app" && npm install --no-audit --no-fund --prefer-offline "$tarball") >"$work/install.log" 2>&1 \
  || die "npm install of the tarball failed" "$work/install.log"
cli="$work/app/node_modules/.bin/nova-cleanup"
[ -x "$cli" ] || die "the install did not create node_modules/.bin/nova-cleanup" "$work/install.log"

# 4. The installed CLI runs: --help through npx (--no: never fetch it from the registry), types --json.
(cd "$work/app" && npx --no -- nova-cleanup --help) >"$work/help.txt" 2>&1 || die "npx nova-cleanup --help failed" "$work/help.txt"
grep -q '^Usage: nova-cleanup' "$work/help.txt" || die "npx nova-cleanup --help printed no usage" "$work/help.txt"
say "npx nova-cleanup --help: ok"
(cd "$work/run" && "$cli" types --json) >"$work/types.json" 2>"$work/types.err" || die "nova-cleanup types --json failed" "$work/types.err"
known=$(node -e '
  const t = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  if (!Array.isArray(t) || t.length === 0 || !t.every((x) => typeof x.type === "string")) throw new Error("not a list of types");
  process.stdout.write(t.map((x) => x.type).join(","));
' "$work/types.json" 2>"$work/types.err") || die "nova-cleanup types --json did not print a list of types" "$work/types.err"
say "nova-cleanup types --json: $(tr ',' '\n' <<<"$known" | wc -l | tr -d ' ') types"

# 5. A dry run against moto. --assume-absent for the types moto cannot list: MOTO_CANNOT_LIST in
#    scripts/lib/moto.ts (read from its build, dist/scripts/lib/moto.js, which prepack just made).
moto=${NOVA_MOTO_SERVER:-$root/.moto/bin/moto_server}
[ -x "$moto" ] || die "moto_server not found at $moto: run \`bash scripts/setup-moto.sh\` (or set NOVA_MOTO_SERVER)"
mapfile -t absent < <(node --input-type=module -e '
  const { motoAbsentArgs } = await import(new URL("dist/scripts/lib/moto.js", `file://${process.argv[1]}/`).href);
  console.log(motoAbsentArgs(process.argv[2].split(",")).join("\n"));
' "$root" "$known") || die "cannot read MOTO_CANNOT_LIST from dist/scripts/lib/moto.js"
[ "${#absent[@]}" -gt 0 ] || die "no --assume-absent flags read from dist/scripts/lib/moto.js"
port=$(node -e '
  const s = require("net").createServer();
  s.listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => console.log(p)); });
') || die "cannot find a free port"
url="http://127.0.0.1:$port"
MOTO_ALLOW_NONEXISTENT_REGION=false "$moto" -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto_pid=$!
up=""
for _ in $(seq 300); do
  kill -0 "$moto_pid" 2>/dev/null || die "moto_server exited at start" "$work/moto.log"
  if curl -sf -o /dev/null -X POST "$url/moto-api/reset"; then up=1; break; fi
  sleep 0.1
done
[ -n "$up" ] || die "moto_server did not answer on $url within 30 s" "$work/moto.log"
say "moto on $url"

(
  cd "$work/run" || exit 1
  unset AWS_PROFILE AWS_DEFAULT_PROFILE
  env AWS_ENDPOINT_URL="$url" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing \
    AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true \
    AWS_CONFIG_FILE="$work/no-aws-config" AWS_SHARED_CREDENTIALS_FILE="$work/no-aws-credentials" \
    "$cli" --tag project=pack-check --region us-east-1 --dry-run --json "${absent[@]}"
) >"$work/dry-run.json" 2>"$work/dry-run.err"
rc=$?
[ "$rc" -eq 0 ] || die "the dry run against moto exited $rc (expected 0)" "$work/dry-run.err"
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  if (r === null || typeof r !== "object" || r.tool?.name !== "nova-cleanup" || r.dryRun !== true) {
    throw new Error("not a nova-cleanup dry-run report");
  }
' "$work/dry-run.json" 2>"$work/dry-run.check" || die "the dry run did not print its JSON report on stdout: $(cat "$work/dry-run.check")" "$work/dry-run.json"
say "nova-cleanup --dry-run --json against moto: exit 0, JSON report"

say "OK in $((SECONDS - started)) s"
