#!/bin/sh
# Install GAN Studio for this user (no root): the self-extracting .run runs this from the
# unpacked folder; from an unpacked .tar.gz run ./install.sh yourself.
#   app         ${XDG_DATA_HOME:-~/.local/share}/gan-studio/app/
#   uninstaller ${XDG_DATA_HOME:-~/.local/share}/gan-studio/uninstall.sh
#   menu entry  ${XDG_DATA_HOME:-~/.local/share}/applications/gan-studio.desktop
#   icons       ${XDG_DATA_HOME:-~/.local/share}/icons/hicolor/<size>/apps/gan-studio.png
#   command     ~/.local/bin/gan-studio (a link to the launcher)
# Runs and settings the studio makes (…/gan-studio/runs, ~/.config/GAN Studio) are the
# person's data: reinstalling keeps them, and so does the uninstaller unless given --purge.
# Its cache (…/gan-studio/cache: feature nets, torch's compile cache) is rebuilt on demand, so
# the uninstaller removes it.
set -eu

SRC=$(cd "$(dirname "$0")" && pwd)
DATA=${XDG_DATA_HOME:-$HOME/.local/share}
CONFIG=${XDG_CONFIG_HOME:-$HOME/.config}
DEST=$DATA/gan-studio
APP=$DEST/app
BIN_DIR=$HOME/.local/bin
DESKTOP=$DATA/applications/gan-studio.desktop
HICOLOR=$DATA/icons/hicolor

quote() {  # a shell word for $1 (single-quoted)
    printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

echo "Installing GAN Studio into $APP"
mkdir -p "$DEST" "$BIN_DIR" "$DATA/applications"
PART=$DEST/.app.part-$$
trap 'rm -rf "$PART"' EXIT
cp -a "$SRC/." "$PART/"
rm -f "$PART/install.sh"
[ -d "$APP" ] && rm -rf "$APP"  # an older version: replaced whole
mv "$PART" "$APP"
trap - EXIT

# The menu entry: absolute Exec/TryExec/Icon so it works without ~/.local/bin on PATH.
ICON=$APP/share/icons/gan-studio-256.png
case "$APP" in
    *" "*) EXEC="\"$APP/gan-studio\"" ;;
    *) EXEC="$APP/gan-studio" ;;
esac
sed -e "s|^Exec=.*|Exec=$EXEC|" -e "s|^TryExec=.*|TryExec=$APP/gan-studio|" \
    -e "s|^Icon=.*|Icon=$ICON|" "$APP/share/gan-studio.desktop" > "$DESKTOP"
chmod 644 "$DESKTOP"

ICONS=""
for png in "$APP"/share/icons/gan-studio-*.png; do
    [ -f "$png" ] || continue
    size=${png##*/gan-studio-}
    size=${size%.png}
    mkdir -p "$HICOLOR/${size}x${size}/apps"
    cp "$png" "$HICOLOR/${size}x${size}/apps/gan-studio.png"
    ICONS="$ICONS $(quote "$HICOLOR/${size}x${size}/apps/gan-studio.png")"
done
if [ -f "$APP/share/icons/gan-studio.svg" ]; then
    mkdir -p "$HICOLOR/scalable/apps"
    cp "$APP/share/icons/gan-studio.svg" "$HICOLOR/scalable/apps/gan-studio.svg"
    ICONS="$ICONS $(quote "$HICOLOR/scalable/apps/gan-studio.svg")"
fi

LINK=$BIN_DIR/gan-studio
if [ -e "$LINK" ] && [ ! -L "$LINK" ]; then
    echo "note: $LINK exists and is not a link; left as it is (run $APP/gan-studio)"
    LINK=""
else
    ln -sfn "$APP/gan-studio" "$LINK"
fi

# The uninstaller names exactly what was installed.
{
    echo "#!/bin/sh"
    echo "# Remove GAN Studio as installed by install.sh. --purge also removes your runs,"
    echo "# cache and settings (otherwise they are kept)."
    echo "APP=$(quote "$APP")"
    echo "DEST=$(quote "$DEST")"
    echo "LINK=$(quote "$LINK")"
    echo "rm -rf \"\$APP\" \"\$DEST/cache\" \"\$DEST\"/self-test-*"
    echo "rm -f $(quote "$DESKTOP")$ICONS"
    echo "[ -n \"\$LINK\" ] && [ -L \"\$LINK\" ] && rm -f \"\$LINK\""
    echo "if [ \"\${1:-}\" = --purge ]; then"
    echo "    rm -rf \"\$DEST/runs\" $(quote "$CONFIG/GAN Studio")"
    echo "fi"
    echo "rm -f \"\$DEST/uninstall.sh\""
    echo "if rmdir \"\$DEST\" 2>/dev/null; then"
    echo "    echo \"GAN Studio removed.\""
    echo "else"
    echo "    echo \"GAN Studio removed; your runs are kept in \$DEST (uninstall.sh --purge removes them).\""
    echo "fi"
} > "$DEST/uninstall.sh"
chmod 755 "$DEST/uninstall.sh"

echo "GAN Studio is installed: open it from the applications menu, or run $APP/gan-studio"
case ":$PATH:" in
    *":$BIN_DIR:"*) echo "(or simply: gan-studio)" ;;
    *) [ -n "$LINK" ] && echo "(add $BIN_DIR to PATH to run it as gan-studio)" ;;
esac
echo "Remove it with: $DEST/uninstall.sh"
"$APP/gan-studio.bin" --version >/dev/null 2>&1 || echo "warning: $APP/gan-studio.bin --version failed"
