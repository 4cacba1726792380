#!/usr/bin/env bash
# Build the Linux bundle dist/FieldDesk/, smoke-test it, and pack it as the download
# dist/FieldDesk-linux-<arch>.tar.gz (what `make package` runs).
#
#   packaging/build.sh                  install PyInstaller, build, measure, smoke-test
#   FIELDDESK_SKIP_BUILD=1 packaging/build.sh    smoke-test an existing dist/FieldDesk
#
# The smoke test runs the bundle with an emptied environment (no virtualenv, no
# PYTHONPATH, a throw-away HOME), so it proves the bundle runs on its own Python. It
# fails on a non-zero exit or on any line written to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${VENV:-.venv}"
PYTHON="$VENV/bin/python"
DIST="dist/FieldDesk"
BINARY="$DIST/FieldDesk"

if [[ ! -x "$PYTHON" ]]; then
    echo "build.sh: $PYTHON not found; run 'make venv' first" >&2
    exit 2
fi

if [[ -z "${FIELDDESK_SKIP_BUILD:-}" ]]; then
    echo "== PyInstaller"
    "$PYTHON" -m pip install -q --disable-pip-version-check "pyinstaller>=6.5"
    echo "== icons up to date"
    QT_QPA_PLATFORM=offscreen "$PYTHON" packaging/render_icons.py --check
    echo "== build"
    started=$(date +%s)
    "$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
        --distpath dist --workpath build/pyinstaller packaging/fielddesk.spec
    echo "built in $(($(date +%s) - started)) s"
fi

if [[ ! -x "$BINARY" ]]; then
    echo "build.sh: $BINARY is missing" >&2
    exit 1
fi
echo "== bundle size: $(du -sh "$DIST" | cut -f1) ($(find "$DIST" -type f | wc -l) files)"

echo "== smoke test"
scratch="$(mktemp -d -t fielddesk-smoke.XXXXXX)"
trap 'rm -rf "$scratch"' EXIT
status=0
env -i \
    HOME="$scratch/home" \
    PATH="/usr/bin:/bin" \
    LANG="${LANG:-C.UTF-8}" \
    QT_QPA_PLATFORM=offscreen \
    FIELDDESK_NO_ALERT=1 \
    "$BINARY" --smoke-test 2>"$scratch/stderr" || status=$?
if [[ -s "$scratch/stderr" ]]; then
    echo "build.sh: the bundle wrote to stderr:" >&2
    cat "$scratch/stderr" >&2
    [[ $status -eq 0 ]] && status=1
fi
if [[ $status -ne 0 ]]; then
    echo "build.sh: smoke test FAILED (exit $status)" >&2
    exit "$status"
fi
echo "== smoke test passed"

# The download the README points Linux users to: one folder, unpacked anywhere.
ARCHIVE="dist/FieldDesk-linux-$(uname -m).tar.gz"
echo "== archive"
tar -C dist --owner=0 --group=0 -czf "$ARCHIVE" FieldDesk
echo "== $ARCHIVE ($(du -h "$ARCHIVE" | cut -f1)): attach it to the release"
