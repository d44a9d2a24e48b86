#!/usr/bin/env bash
# Validates linkwork's FHIR R4 export against an independent validator (tests/fhir/validate.py:
# the PyPI package fhir.resources plus rules transcribed from the FHIR R4 specification).
#
#   bash tests/fhir/run.sh        # exit code non-zero if a bundle is invalid
#
# Steps: make (once) two Python venvs outside the repo, one per pinned requirements file;
# build records with the `fhir_fixture` example of linkwork-tests and export three
# bundles (a full record with case data, the same without, a bare record with case data);
# validate them under each venv (the R4B strict models, then the R4 4.0.1 models), and check
# that the validator rejects deliberately broken copies (--self-test).
#
# Env (optional):
#   LINKWORK_CACHE   where the venvs live (default /var/cache/linkwork, or
#                    ~/.cache/linkwork when that cannot be created)
#   PYTHON           the interpreter that creates the venvs (default python3)
#   CARGO_TARGET_DIR honoured like cargo does
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$here/../.." && pwd)
start=$SECONDS
step() { printf '[fhir-validate +%3ds] %s\n' $((SECONDS - start)) "$*" >&2; }

CACHE=${LINKWORK_CACHE:-/var/cache/linkwork}
if ! mkdir -p "$CACHE" 2>/dev/null || [[ ! -w $CACHE ]]; then
  CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/linkwork
  mkdir -p "$CACHE"
fi
PYTHON=${PYTHON:-python3}

if ! command -v "$PYTHON" >/dev/null || ! "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null; then
  step "installing python3 and python3-venv (apt)"
  if command -v apt-get >/dev/null && [[ $(id -u) == 0 ]]; then
    apt-get update -qq && apt-get install -y -qq python3 python3-venv >/dev/null
    PYTHON=python3
  else
    echo "run.sh: python3 with the venv module is required" >&2
    exit 1
  fi
fi

# ensure_venv DIR REQUIREMENTS: (re)creates DIR when missing or made from other requirements.
ensure_venv() {
  local dir=$1 req=$2
  if [[ -x $dir/bin/python ]] && cmp -s "$req" "$dir/.linkwork-requirements"; then
    return
  fi
  step "creating $dir from $(basename "$req")"
  rm -rf "$dir"
  "$PYTHON" -m venv "$dir"
  "$dir/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$req"
  cp "$req" "$dir/.linkwork-requirements"
}

VENV_R4B=$CACHE/fhir-venv
VENV_R4=$CACHE/fhir-venv-r4
ensure_venv "$VENV_R4B" "$here/requirements.txt"
ensure_venv "$VENV_R4" "$here/requirements-r4.txt"

OUT=$(mktemp -d "${TMPDIR:-/tmp}/linkwork-fhir.XXXXXX")
trap 'rm -rf "$OUT"' EXIT
step "exporting a full record (the fhir_fixture example)"
files=("$OUT/full-record.json" "$OUT/without-case-data.json" "$OUT/bare-record.json")
if [[ ${LINKWORK_BUILD_WORKSPACE:-0} == 1 ]]; then
  # Inside scripts/test.sh: build as `cargo test --workspace` just did (same feature
  # resolution, so every artifact is reused; `-p linkwork-tests` alone resolves features
  # differently and rebuilt half the dependencies), then run the example's binary.
  (cd "$REPO" && cargo build --quiet --locked --workspace --all-targets)
  "${CARGO_TARGET_DIR:-$REPO/target}/debug/examples/fhir_fixture" "${files[@]}" >/dev/null
else
  (cd "$REPO" && cargo run --quiet --locked -p linkwork-tests --example fhir_fixture -- \
    "${files[@]}" >/dev/null)
fi

step "validating with fhir.resources R4B models (strict) and the specification's rules"
"$VENV_R4B/bin/python" "$here/validate.py" --self-test \
  "$OUT/full-record.json" "$OUT/without-case-data.json" "$OUT/bare-record.json"
step "validating with fhir.resources R4 4.0.1 models (strict)"
"$VENV_R4/bin/python" "$here/validate.py" --self-test \
  "$OUT/full-record.json" "$OUT/without-case-data.json" "$OUT/bare-record.json"
step "FHIR export valid"
