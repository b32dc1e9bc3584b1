#!/usr/bin/env bash
# Every check of `make test`; prints a closing "N passed, N failed" line.
# Run through `make test` (it sets up .venv and PATH, and HF_HUB_OFFLINE=1).
set -uo pipefail
cd "$(dirname "$0")/.."
passed=0; failed=0; failures=(); skipped=()
log=$(mktemp -d)
ok()   { passed=$((passed+1)); echo "PASS  $1"; }
bad()  { failed=$((failed+1)); failures+=("$1"); echo "FAIL  $1"; }
skip() { skipped+=("$1"); echo "SKIP  $1"; }   # not run here; counts neither way
fingerprint() { find "$@" -type f \( -name '*.ipynb' -o -name '*.py' \) -not -path '*/.ipynb_checkpoints/*' -print0 | sort -z | xargs -0 sha256sum; }

echo "== notebooks clean (nbdev-clean changes nothing)"
before=$(fingerprint nbs); nbdev-clean >"$log/clean" 2>&1; after=$(fingerprint nbs)
if [ "$before" == "$after" ]; then ok "nbdev-clean"; else bad "nbdev-clean"; diff <(echo "$before") <(echo "$after") | head; fi

echo "== library in sync (nbdev-export changes nothing)"
before=$(fingerprint qfae); nbdev-export >"$log/export" 2>&1; after=$(fingerprint qfae)
if [ "$before" == "$after" ]; then ok "nbdev-export"; else bad "nbdev-export"; diff <(echo "$before") <(echo "$after") | head; fi

echo "== notebook hygiene (tools/check_nbs.py)"
if python tools/check_nbs.py; then ok "notebook hygiene"; else bad "notebook hygiene"; fi

echo "== no import cycle in qfae/ (tools/import_cycles.py)"
if python tools/import_cycles.py; then ok "import cycles"; else bad "import cycles"; fi

echo "== README in sync with nbs/index.ipynb"
if python tools/readme.py --check; then ok "README"; else bad "README"; fi

echo "== nbdev-test (HF_HUB_OFFLINE=${HF_HUB_OFFLINE:-unset}, flags: ${QFAE_TEST_FLAGS:-none})"
mapfile -t nbs < <(find nbs -name '*.ipynb' -not -name '_*' -not -path '*/.ipynb_checkpoints/*' -not -path '*/_proc/*' | sort)
start=$(date +%s)
# --save writes each passing notebook's outputs back, so the docs below show the figures of this very run;
# the committed notebooks (no outputs) are put back when this script exits
cp -p nbs/*.ipynb "$log/"
restore() {   # put back what nbdev-test --save overwrote, but never a notebook someone edited meanwhile
  for f in nbs/*.ipynb; do
    b="$log/$(basename "$f")"
    [ -f "$b" ] || continue
    cmp -s "$b" "$f" && continue
    if python tools/check_nbs.py --same-sources "$b" "$f"; then cp -p "$b" "$f"
    else echo "warning: $f was edited while the tests ran: left as it is (it may hold outputs of this run)"; fi
  done
}
trap restore EXIT
nbdev-test --timing --save ${QFAE_TEST_FLAGS:+--flags "$QFAE_TEST_FLAGS"} >"$log/test.out" 2>"$log/test.err"; rc=$?
echo "nbdev-test: exit $rc in $(( $(date +%s) - start )) s"
cat "$log/test.out"
if [ $rc -ne 0 ]; then cat "$log/test.err"; fi
for nb in "${nbs[@]}"; do
  name=$(basename "$nb")
  if [ $rc -eq 0 ]; then ok "nbdev-test $name"
  elif grep -q -P "^\t$name\$" "$log/test.err"; then bad "nbdev-test $name"
  elif grep -q "Tests Failed" "$log/test.err"; then ok "nbdev-test $name"
  else bad "nbdev-test $name (runner error)"; fi
done

echo "== offline docs build (nbdev-proc-nbs + tools/render_docs.py)"
if nbdev-proc-nbs >"$log/proc" 2>&1 && python tools/render_docs.py; then ok "docs build"; else tail -20 "$log/proc"; bad "docs build"; fi

echo "== docs as a person sees them (tools/check_docs.py: headless Chromium)"
python tools/check_docs.py --min-plot-pages 5; rc=$?
if [ $rc -eq 0 ]; then ok "docs check"
elif [ $rc -eq 77 ]; then skip "docs check (Chromium missing and not root: sudo apt-get install -y chromium)"
else bad "docs check"; fi

echo
[ ${#skipped[@]} -gt 0 ] && printf 'skipped: %s\n' "${skipped[@]}"
[ ${#failures[@]} -gt 0 ] && printf 'failed: %s\n' "${failures[@]}"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
