# shellcheck shell=bash
# Shared helpers for djinit's scripts. Source it; do not execute it:
#   . "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# Safe under `set -euo pipefail`. Defines: REPO, repo_root, log, die,
# ensure_apt, ensure_venv, VENV, VENV_PY.

[[ -n "${_DJINIT_COMMON_SH:-}" ]] && return 0
_DJINIT_COMMON_SH=1

repo_root() { (cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P); }
REPO="$(repo_root)"
VENV="$REPO/.venv"
VENV_PY="$VENV/bin/python"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# _quiet CMD...: run CMD with its output captured; print the output only if
# CMD fails (so normal runs stay quiet but errors are never hidden).
_quiet() {
    local out rc=0
    out="$(mktemp)"
    "$@" >"$out" 2>&1 </dev/null || rc=$?
    if ((rc != 0)); then
        cat "$out" >&2
        printf 'error: command failed (exit %d): %s\n' "$rc" "$*" >&2
    fi
    rm -f "$out"
    return "$rc"
}

_as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo -n "$@"; fi; }

_DJINIT_APT_UPDATED=0

# ensure_apt PKG...: install the Debian packages that are not installed yet.
# `apt-get update` runs at most once per shell, and only if something is missing.
ensure_apt() {
    local p missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
            || missing+=("$p")
    done
    ((${#missing[@]} == 0)) && return 0

    if ((_DJINIT_APT_UPDATED == 0)); then
        log "apt-get update"
        _quiet _as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
        _DJINIT_APT_UPDATED=1
    fi
    # Keep maintainer scripts from starting system-wide services (a default
    # PostgreSQL cluster on 5432, redis on 6379, ...): we run our own instances.
    # Docker-style images already ship such a policy; add one only if absent.
    local policy=/usr/sbin/policy-rc.d added_policy=0 rc=0
    if [[ ! -e $policy ]]; then
        _as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy"
        added_policy=1
    fi
    log "apt-get install ${missing[*]}"
    _quiet _as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        --no-install-recommends -o Dpkg::Options::=--force-confdef \
        -o Dpkg::Options::=--force-confold "${missing[@]}" || rc=$?
    ((added_policy)) && _as_root rm -f "$policy"
    return "$rc"
}

# _venv_works: the venv exists and its interpreter still runs (a venv breaks
# when the python it was made from moves or is upgraded).
_venv_works() { [[ -x $VENV_PY ]] && "$VENV_PY" -c 'import sys' 2>/dev/null; }

# ensure_venv: create $REPO/.venv and install the example project's
# requirements into it, re-running pip only when the requirement files (or the
# interpreter version) changed since the last successful install.
ensure_venv() {
    local req="$REPO/docker/example/requirements.txt"
    local req_test="$REPO/docker/example/requirements-test.txt"
    local stamp="$VENV/.djinit-requirements.sha256"
    [[ -f $req ]] || die "missing $req"

    if ! _venv_works; then
        # Prefer the python3 on PATH (pyenv's here: its venv module works).
        # Debian's own python3 needs the python3-venv package for ensurepip.
        local py
        py="$(command -v python3 || true)"
        if [[ -z $py ]] || ! "$py" -c 'import venv, ensurepip' 2>/dev/null; then
            ensure_apt python3 python3-venv
            py=/usr/bin/python3
        fi
        log "creating $VENV (with $("$py" --version 2>&1))"
        rm -rf "$VENV"
        _quiet "$py" -m venv "$VENV"
        rm -f "$stamp"
    fi

    local files=("$req") hash
    [[ -f $req_test ]] && files+=("$req_test")
    hash="$({ "$VENV_PY" -c 'import sys; print(sys.version)'; cat "${files[@]}"; } | sha256sum | cut -d' ' -f1)"
    if [[ -f $stamp && "$(cat "$stamp")" == "$hash" ]]; then
        return 0
    fi
    log "installing python requirements into $VENV"
    local args=() f
    for f in "${files[@]}"; do args+=(-r "$f"); done
    _quiet "$VENV_PY" -m pip install --disable-pip-version-check --no-input -q "${args[@]}"
    printf '%s\n' "$hash" >"$stamp"
}

# ensure_tool_venv DIR PKG==VERSION...: a venv of its own at DIR holding exactly these pinned
# command-line tools, for tools whose own pins clash with the example project's (checkov pins
# packaging<24, the example pins packaging 26). pip runs only when the list or python changed.
ensure_tool_venv() {
    local dir=$1 stamp hash py
    shift
    stamp="$dir/.djinit-tools.sha256"
    if ! [[ -x $dir/bin/python ]] || ! "$dir/bin/python" -c 'import sys' 2>/dev/null; then
        py="$(command -v python3 || true)"
        if [[ -z $py ]] || ! "$py" -c 'import venv, ensurepip' 2>/dev/null; then
            ensure_apt python3 python3-venv
            py=/usr/bin/python3
        fi
        log "creating $dir"
        rm -rf "$dir"
        _quiet "$py" -m venv "$dir"
    fi
    hash="$({ "$dir/bin/python" -c 'import sys; print(sys.version)'; printf '%s\n' "$@"; } | sha256sum | cut -d' ' -f1)"
    [[ -f $stamp && "$(cat "$stamp")" == "$hash" ]] && return 0
    log "installing $* into $dir"
    _quiet "$dir/bin/python" -m pip install --disable-pip-version-check --no-input -q "$@"
    printf '%s\n' "$hash" >"$stamp"
}
