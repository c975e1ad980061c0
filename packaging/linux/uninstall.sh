#!/bin/sh
# Remove what install.sh added. Your conversations, documents index and settings are kept;
# `hearth doctor` prints where they are, delete that folder too for a clean slate.
set -eu
DATA="${XDG_DATA_HOME:-$HOME/.local/share}"
rm -f "$DATA/applications/hearth.desktop" "$DATA/icons/hicolor/256x256/apps/hearth.png" \
      "$DATA/icons/hicolor/scalable/apps/hearth.svg" "$DATA/mime/packages/hearth.xml"
if [ -L "$HOME/.local/bin/hearth" ]; then rm -f "$HOME/.local/bin/hearth"; fi
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$DATA/applications" || true
command -v update-mime-database >/dev/null 2>&1 && update-mime-database "$DATA/mime" || true
echo "Hearth's launcher is removed. Delete this folder to remove the program itself."
