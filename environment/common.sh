# shellcheck shell=bash
# Shared by the scripts in environment/: where the repository is, which Jupyter to use, and the defaults every
# entry point applies. Sourced, never run.

SOFTPROMPT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export SOFTPROMPT_ROOT

say() { printf 'softprompt: %s\n' "$*" >&2; }
die() { printf 'softprompt: error: %s\n' "$*" >&2; exit 1; }

# Extra flags for every Maven call, e.g. SOFTPROMPT_MAVEN_FLAGS=-o on a machine without Maven Central.
mvn_run() {
    # shellcheck disable=SC2086
    mvn -B -Dstyle.color=never ${SOFTPROMPT_MAVEN_FLAGS:-} "$@"
}

# Prints the `jupyter` command to use, or nothing. Debian's /usr/bin/jupyter comes first: the `python3` first on
# PATH may be another interpreter (pyenv here) without Jupyter's modules. A candidate only counts when it can run
# nbconvert, which the headless runner needs.
find_jupyter() {
    local candidate
    for candidate in /usr/bin/jupyter "$HOME/.local/bin/jupyter" "$(command -v jupyter 2>/dev/null || true)"; do
        [[ -n "$candidate" && -x "$candidate" ]] || continue
        if PATH="$(dirname "$candidate"):$PATH" "$candidate" nbconvert --version >/dev/null 2>&1; then
            printf '%s\n' "$candidate"
            return 0
        fi
    done
    return 1
}

# Sets JUPYTER (absolute path) and puts its folder first on PATH, so that `jupyter nbconvert` finds the
# jupyter-nbconvert installed beside it rather than one of another Python.
use_jupyter() {
    JUPYTER="$(find_jupyter)" || die "Jupyter with nbconvert not found: run ./environment/setup first"
    PATH="$(dirname "$JUPYTER"):$PATH"
    export PATH
    # Debian's Python 3.11 makes the ipykernel debugger warn about frozen modules on every start.
    export PYDEVD_DISABLE_FILE_VALIDATION=1
}

# The Python interpreter that runs `jupyter` (from its #! line), which has jupyter_client.
jupyter_python() {
    local shebang
    shebang="$(head -n 1 "$JUPYTER")"
    shebang="${shebang#\#!}"
    if [[ "$shebang" == /* && "$shebang" != *" "* && -x "$shebang" ]]; then
        printf '%s\n' "$shebang"
    else
        printf '%s\n' /usr/bin/python3
    fi
}

# SOFTPROMPT_DATA defaults to ../shared/data beside the repository when that folder exists.
default_data_directory() {
    if [[ -z "${SOFTPROMPT_DATA:-}" && -d "$SOFTPROMPT_ROOT/../shared/data" ]]; then
        SOFTPROMPT_DATA="$(cd "$SOFTPROMPT_ROOT/../shared/data" && pwd)"
        export SOFTPROMPT_DATA
    fi
}

check_scale() {
    case "$1" in
        smoke|quick|paper) ;;
        *) die "scale '$1' is not one of smoke, quick, paper" ;;
    esac
}
