#!/bin/sh
# Build, sign, notarise and package Hearth.app as a .dmg. Run on macOS (arm64 or x86_64;
# the app is built for the machine's own architecture) from the project root:
#
#   python3 packaging/dev.py bundle                      # -> dist/Hearth.app
#   packaging/macos/make_dmg.sh                          # -> dist/Hearth-<version>-macOS-<arch>.dmg
#
# Signing and notarisation happen only when these are set (a maintainer's machine):
#   HEARTH_CODESIGN_IDENTITY  "Developer ID Application: Name (TEAMID)" - also read by the spec
#   HEARTH_NOTARY_PROFILE     a keychain profile made once with
#                             xcrun notarytool store-credentials hearth-notary \
#                                 --apple-id you@example.com --team-id TEAMID
# Without them the .dmg is unsigned: it runs after right-click > Open (Gatekeeper warns).
set -eu
cd "$(dirname "$0")/../.."
APP="dist/Hearth.app"
VERSION="$(python3 -c 'import tomllib;print(tomllib.load(open("pyproject.toml","rb"))["project"]["version"])')"
ARCH="$(uname -m)"
DMG="dist/Hearth-$VERSION-macOS-$ARCH.dmg"
ENTITLEMENTS="packaging/macos/entitlements.plist"

[ -d "$APP" ] || { echo "$APP not found: run python3 packaging/dev.py bundle first" >&2; exit 1; }

if [ -n "${HEARTH_CODESIGN_IDENTITY:-}" ]; then
    echo "Signing every library and executable inside out (hardened runtime, timestamped)..."
    # Libraries first, then the app: notarisation rejects any unsigned Mach-O inside.
    find "$APP/Contents" -type f \( -name "*.dylib" -o -name "*.so" -o -perm -u+x \) -print0 |
        xargs -0 -n 20 codesign --force --timestamp --options runtime \
            --entitlements "$ENTITLEMENTS" --sign "$HEARTH_CODESIGN_IDENTITY"
    codesign --force --timestamp --options runtime --entitlements "$ENTITLEMENTS" \
        --sign "$HEARTH_CODESIGN_IDENTITY" "$APP"
    codesign --verify --deep --strict --verbose=2 "$APP"
fi

echo "Making $DMG..."
STAGE="$(mktemp -d)"
cp -R "$APP" "$STAGE/"
ln -s /Applications "$STAGE/Applications"   # drag-to-install layout
rm -f "$DMG"
hdiutil create -volname "Hearth $VERSION" -srcfolder "$STAGE" -fs HFS+ -format ULMO "$DMG"
rm -rf "$STAGE"

if [ -n "${HEARTH_CODESIGN_IDENTITY:-}" ]; then
    codesign --force --timestamp --sign "$HEARTH_CODESIGN_IDENTITY" "$DMG"
fi
if [ -n "${HEARTH_NOTARY_PROFILE:-}" ]; then
    echo "Notarising (several minutes)..."
    xcrun notarytool submit "$DMG" --keychain-profile "$HEARTH_NOTARY_PROFILE" --wait
    xcrun stapler staple "$DMG"
    spctl --assess --type open --context context:primary-signature --verbose "$DMG"
fi
echo "Done: $DMG"
