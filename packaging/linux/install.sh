#!/bin/sh
# Install Hearth for the current user from the unpacked tarball: a launcher in the
# applications menu (documents can be dropped on it), the icon, and `hearth` on PATH.
# Nothing is copied: the launcher points at this folder, so keep it where it is
# (or move it first, e.g. to ~/.local/opt/hearth, and run this script again).
set -eu
HERE="$(cd "$(dirname "$0")" && pwd)"
DATA="${XDG_DATA_HOME:-$HOME/.local/share}"
BIN="$HOME/.local/bin"

mkdir -p "$DATA/applications" "$DATA/icons/hicolor/256x256/apps" \
         "$DATA/icons/hicolor/scalable/apps" "$DATA/mime/packages" "$BIN"
cp "$HERE/hearth.png" "$DATA/icons/hicolor/256x256/apps/hearth.png"
cp "$HERE/hearth.svg" "$DATA/icons/hicolor/scalable/apps/hearth.svg"
cp "$HERE/hearth-mime.xml" "$DATA/mime/packages/hearth.xml"
# Quote the path in Exec (it may contain spaces), as the desktop entry spec asks.
sed -e "s|^Exec=hearth |Exec=\"$HERE/hearth/hearth\" |" -e "s|^TryExec=hearth|TryExec=$HERE/hearth/hearth|" \
    "$HERE/hearth.desktop" > "$DATA/applications/hearth.desktop"
chmod 644 "$DATA/applications/hearth.desktop"
ln -sf "$HERE/hearth/hearth" "$BIN/hearth"

# Refresh the desktop's caches where the tools exist; harmless when they do not.
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$DATA/applications" || true
command -v update-mime-database >/dev/null 2>&1 && update-mime-database "$DATA/mime" || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$DATA/icons/hicolor" || true

echo "Hearth is installed: find it in your applications menu, or run 'hearth' ($BIN is on PATH on most systems)."
