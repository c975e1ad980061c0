#!/bin/sh
# Hearth @VERSION@ for Linux x86_64, in one file: double-click it (or run it) to start Hearth.
# The first start unpacks the app once into ~/.cache/hearth (about a minute); later starts
# go straight to it. `./Hearth.run --install` also adds a launcher to the applications menu.
# The archive follows this header; nothing is downloaded.
set -eu
PAYLOAD_START=@LINES@
SELF="$(readlink -f "$0")"
BASE="${XDG_CACHE_HOME:-$HOME/.cache}/hearth"
DEST="$BASE/bundle-@VERSION@-@HASH@"
APP="$DEST/@TOP@/hearth/hearth"

if [ ! -f "$DEST/.complete" ]; then
    mkdir -p "$BASE"
    TMP="$(mktemp -d "$BASE/.unpack-XXXXXX")"
    if [ ! -t 1 ] && command -v notify-send >/dev/null 2>&1; then
        notify-send -i dialog-information "Hearth" "Getting Hearth ready (first start only)..." || true
    fi
    echo "Unpacking Hearth @VERSION@ into $DEST (first start only)..." >&2
    if ! tail -n +"$PAYLOAD_START" "$SELF" | tar -xzf - -C "$TMP"; then
        rm -rf "$TMP"
        echo "Could not unpack Hearth into $BASE (is the disk full?)" >&2
        exit 1
    fi
    touch "$TMP/.complete"
    rm -rf "$DEST"
    mv "$TMP" "$DEST"
    # Older unpacked versions are only a cache of older .run files: free their space.
    for old in "$BASE"/bundle-*; do
        [ "$old" = "$DEST" ] || rm -rf "$old"
    done
fi

if [ "${1:-}" = "--install" ]; then
    DATA="${XDG_DATA_HOME:-$HOME/.local/share}"
    mkdir -p "$DATA/applications" "$DATA/icons/hicolor/256x256/apps" "$DATA/mime/packages"
    cp "$DEST/@TOP@/hearth.png" "$DATA/icons/hicolor/256x256/apps/hearth.png"
    cp "$DEST/@TOP@/hearth-mime.xml" "$DATA/mime/packages/hearth.xml"
    sed -e "s|^Exec=hearth |Exec=\"$SELF\" |" -e "s|^TryExec=hearth|TryExec=$SELF|" \
        "$DEST/@TOP@/hearth.desktop" > "$DATA/applications/hearth.desktop"
    command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$DATA/applications" || true
    command -v update-mime-database >/dev/null 2>&1 && update-mime-database "$DATA/mime" || true
    echo "Hearth is in your applications menu (the launcher starts $SELF; keep the file there)."
    exit 0
fi

exec "$APP" "$@"
