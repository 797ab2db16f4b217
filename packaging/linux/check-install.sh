#!/bin/bash
# Check a built .run installer the way a person would, on a clean setup, and measure it.
#   sudo packaging/linux/check-install.sh dist/gan-studio-<v>-linux-x86_64-cpu.run [OUTDIR]
# Needs root (unshare for a read-only cwd and no network), xvfb-run, xdotool, strace, and a
# Python with Pillow (for the screenshots; PYTHON, default python3). Writes logs, file lists and
# screenshots into OUTDIR (default /tmp/packaging/check).
#   1. HOME a fresh temp folder, PATH=/usr/bin:/bin, cwd a read-only folder: run the installer
#   2. the .desktop entry: absolute Exec/Icon, desktop-file-validate
#   3. its Exec under xvfb-run: seconds from launch to the window mapped; screenshots at once
#      and 10 s later
#   4. gan-studio --self-test without network (unshare -n), under strace: every file it
#      created or wrote must lie in HOME's data/config/cache folders
#   5. gan-studio export images / video (mp4, gif) / onnx on the bundled model, no network
#   6. the launcher's message when a library the xcb plugin needs is missing
#   7. uninstall.sh removes everything it installed
set -euo pipefail
RUN=$(readlink -f "$1")
OUT=$(readlink -m "${2:-/tmp/packaging/check}")
PYTHON=${PYTHON:-python3}
rm -rf "$OUT" && mkdir -p "$OUT"
T=$(mktemp -d /tmp/gs-clean.XXXXXX)
H=$T/home RO=$T/ro
mkdir -p "$H" "$RO"
export OMP_NUM_THREADS=1
say() { printf '%s\n' "$*" | tee -a "$OUT/summary.txt"; }
files() { (cd "$H" && find . -type f -o -type l | sort); }
# run "$@" with a clean environment, cwd = a read-only bind mount (root ignores chmod)
clean() {
    unshare -m -- sh -c 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" "$1" &&
        cd "$1" && shift && exec "$@"' sh "$RO" \
        env -i HOME="$H" PATH=/usr/bin:/bin LANG=C.UTF-8 OMP_NUM_THREADS=1 ${DISPLAY:+DISPLAY=$DISPLAY} "$@"
}
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", b - a}'; }

say "installer: $RUN ($(du -m "$RUN" | cut -f1) MiB)"
t0=$(now)
clean sh "$RUN" > "$OUT/install.log" 2>&1
say "1. install: $(secs "$t0" "$(now)") s; cwd was read-only; $(files | wc -l) files in HOME"
files > "$OUT/files-after-install.txt"
DATA=$H/.local/share
APP=$DATA/gan-studio/app
DESKTOP=$DATA/applications/gan-studio.desktop
test -x "$APP/gan-studio" && test -L "$H/.local/bin/gan-studio"
EXEC=$(sed -n 's/^Exec=//p' "$DESKTOP")
ICON=$(sed -n 's/^Icon=//p' "$DESKTOP")
test -f "$ICON" && test "${EXEC#/}" != "$EXEC"
desktop-file-validate "$DESKTOP" > "$OUT/desktop-validate.txt" 2>&1 || true
say "2. desktop entry: Exec=$EXEC Icon=$ICON; validate: $(wc -l < "$OUT/desktop-validate.txt") messages"
ls "$DATA/icons/hicolor" > "$OUT/icons.txt"

# 3. the window, started as the menu would start it
cat > "$T/window.sh" <<EOF
set -u
t0=\$(date +%s.%N)
env -i HOME="$H" PATH=/usr/bin:/bin LANG=C.UTF-8 DISPLAY="\$DISPLAY" XAUTHORITY="\$XAUTHORITY" $EXEC > "$OUT/window.log" 2>&1 &
pid=\$!
for i in \$(seq 1 1200); do
    xdotool search --onlyvisible --name '^GAN Studio\$' > /dev/null 2>&1 && break
    sleep 0.1
done
t1=\$(date +%s.%N)
echo "\$t0 \$t1" > "$T/window-times"
sleep 1
"$PYTHON" -c "from PIL import ImageGrab; import os; ImageGrab.grab(xdisplay=os.environ['DISPLAY']).save('$OUT/window.png')"
sleep 9
"$PYTHON" -c "from PIL import ImageGrab; import os; ImageGrab.grab(xdisplay=os.environ['DISPLAY']).save('$OUT/window-10s.png')"
kill \$pid; wait \$pid 2>/dev/null || true
EOF
xvfb-run -a -s "-screen 0 1366x768x24" bash "$T/window.sh"
read -r w0 w1 < "$T/window-times"
say "3. start-to-window (launch -> window mapped): $(secs "$w0" "$w1") s; screenshots $OUT/window.png, window-10s.png"

# 4. the self-test: no network, every file write traced
files > "$T/before"
t0=$(now)
unshare -n -- bash -c "$(declare -f clean); RO='$RO' H='$H'; clean /usr/bin/strace -f -qq \
    -o '$OUT/self-test.strace' -e trace=openat,open,creat,mkdir,mkdirat,rename,renameat,renameat2,link,symlink,unlink,unlinkat \
    '$APP/gan-studio' --self-test" > "$OUT/self-test.log" 2>&1
say "4. self-test (no network): $(secs "$t0" "$(now)") s wall (strace slows it); last line: $(tail -1 "$OUT/self-test.log")"
grep -E 'O_WRONLY|O_RDWR|O_CREAT|mkdir|rename|link\(|symlink' "$OUT/self-test.strace" | grep -v ENOENT \
    | grep -oE '"/[^"]*"' | tr -d '"' | sort -u > "$OUT/self-test-writes.txt"
grep -vE "^$H/\.(local/share|config|cache)/|^/dev/|^/proc/" "$OUT/self-test-writes.txt" > "$OUT/self-test-writes-outside.txt" || true
say "   paths written: $(wc -l < "$OUT/self-test-writes.txt"); outside HOME's data/config/cache: $(wc -l < "$OUT/self-test-writes-outside.txt")"
files > "$T/after"
diff "$T/before" "$T/after" > "$OUT/self-test-files-diff.txt" || true
say "   files in HOME before/after differ by: $(grep -c '^[<>]' "$OUT/self-test-files-diff.txt" || true) lines"
t0=$(now)
unshare -n -- bash -c "$(declare -f clean); RO='$RO' H='$H'; clean '$APP/gan-studio' --self-test" > "$OUT/self-test-plain.log" 2>&1
say "   self-test without strace: $(secs "$t0" "$(now)") s; $(tail -1 "$OUT/self-test-plain.log")"

# 5. exports from the installed copy, no network
E=$H/exports
mkdir -p "$E"
ex() { unshare -n -- bash -c "$(declare -f clean); RO='$RO' H='$H'; clean '$APP/gan-studio' export $*"; }
t0=$(now); ex images --source bundled:landscapes-64 --count 4 --out "$E/images" --quiet > "$OUT/export.log" 2>&1
say "5. export images: $(secs "$t0" "$(now)") s: $(ls "$E/images" | tr '\n' ' ')"
t0=$(now); ex video --source bundled:landscapes-64 --out "$E/walk.mp4" --seconds 2 --quiet >> "$OUT/export.log" 2>&1
t1=$(now); ex video --source bundled:landscapes-64 --out "$E/walk.gif" --seconds 2 --quiet >> "$OUT/export.log" 2>&1
t2=$(now); ex onnx --source bundled:landscapes-64 --out "$E/onnx" --quiet >> "$OUT/export.log" 2>&1
say "   export mp4 $(secs "$t0" "$t1") s ($(du -k "$E/walk.mp4" | cut -f1) KiB), gif $(secs "$t1" "$t2") s ($(du -k "$E/walk.gif" | cut -f1) KiB), onnx $(secs "$t2" "$(now)") s: $(ls "$E/onnx" | tr '\n' ' ')"
cp -r "$E" "$OUT/exports"

# 6. the launcher's message when the system lacks libEGL/libGL (hidden in a mount namespace)
cp -al /usr/lib/x86_64-linux-gnu "$T/libs"
rm -f "$T/libs"/libEGL.so* "$T/libs"/libGL.so*
unshare -m -- sh -c "mount --bind '$T/libs' /usr/lib/x86_64-linux-gnu &&
    env -i HOME='$H' PATH=/usr/bin:/bin DISPLAY=:99 '$APP/gan-studio'" > "$OUT/missing-libs.txt" 2>&1 && rc=0 || rc=$?
say "6. launcher with libEGL/libGL hidden: exit $rc; $(head -1 "$OUT/missing-libs.txt")"
rm -rf "$T/libs"

# 7. uninstall
files > "$T/before-uninstall"
clean "$DATA/gan-studio/uninstall.sh" > "$OUT/uninstall.log" 2>&1
files > "$OUT/files-after-uninstall.txt"
left=$(grep -c . "$OUT/files-after-uninstall.txt" || true)
say "7. uninstall: $(tail -1 "$OUT/uninstall.log"); files left in HOME: $left (see files-after-uninstall.txt)"
rm -rf "$T"
