#!/usr/bin/env bash
# Screenshot of a real run of the explorer for the README: assets/explorer.png.
#
# Runs target/release/syncscope on the bundled sample tenant in tmux at 120x40 (TERM=xterm-256color),
# presses `3` (the admin-role conflicts view), captures the pane with its colours
# (`tmux capture-pane -e -p`) and renders that ANSI text cell by cell to a PNG with Pillow:
# 256-colour palette, bold, dim, underline, reverse video, box-drawing and block characters drawn
# as lines so borders join, double-width (CJK) characters over two cells.
#
# Usage, from the repository root:  bash scripts/screenshot.sh [OUT.png]
# Installs what it needs (tmux, Pillow, fontTools, wcwidth, DejaVu and, if CJK is on screen, Noto CJK
# fonts) with apt-get when missing; builds the release binary first unless SKIP_BUILD=1.
# Leaves the ANSI capture beside the PNG only if KEEP_CAPTURE=1.
set -euo pipefail

cd "$(dirname "$0")/.."
OUT=${1:-assets/explorer.png}
COLS=120
ROWS=40
SOCK=shot                       # private tmux server: tmux -L shot
PY=/usr/bin/python3             # Debian's python, where python3-pil etc. install

export LC_ALL=C.UTF-8           # tmux only passes UTF-8 through in a UTF-8 locale

apt_updated=
install_pkgs() {                # install the Debian packages given that are not installed yet
    local missing=()
    for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "screenshot: installing ${missing[*]}" >&2
    local sudo=; [ "$(id -u)" -ne 0 ] && sudo=sudo
    if [ -z "$apt_updated" ]; then $sudo apt-get update -qq; apt_updated=1; fi
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
install_pkgs tmux python3 python3-pil python3-fonttools python3-wcwidth fontconfig fonts-dejavu-core

if [ "${SKIP_BUILD:-}" != 1 ]; then cargo build --release --quiet; fi   # SKIP_BUILD=1: use the binary as built
BIN=$PWD/target/release/syncscope

TMP=$(mktemp -d)
cleanup() { tmux -L "$SOCK" kill-server 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT
tmux -L "$SOCK" kill-server 2>/dev/null || true

# -f /dev/null: no user tmux.conf; status off so the pane is the full 120x40.
env -u NO_COLOR -u TMUX tmux -u -L "$SOCK" -f /dev/null \
    new-session -d -s shot -x "$COLS" -y "$ROWS" -e TERM=xterm-256color -e COLORTERM= "$BIN" \; \
    set-option -t shot status off
size=$(tmux -L "$SOCK" display-message -p -t shot '#{pane_width}x#{pane_height}')
[ "$size" = "${COLS}x${ROWS}" ] || { echo "screenshot: pane is $size, not ${COLS}x${ROWS}" >&2; exit 1; }

wait_for() {                    # wait (up to 10 s) until the plain screen contains $1
    for _ in $(seq 100); do
        tmux -L "$SOCK" capture-pane -p -t shot | grep -qF -- "$1" && return 0
        sleep 0.1
    done
    echo "screenshot: '$1' never appeared; screen was:" >&2
    tmux -L "$SOCK" capture-pane -p -t shot >&2
    exit 1
}
wait_for "Details"
tmux -L "$SOCK" send-keys -t shot 3
sleep 0.5
wait_for "view admin-role conflicts"
tmux -L "$SOCK" capture-pane -e -p -t shot > "$TMP/screen.ans"
tmux -L "$SOCK" kill-server

# Double-width characters on screen: bring in a CJK font for them.
if "$PY" -c 'import sys, wcwidth; sys.exit(0 if any(wcwidth.wcwidth(c) == 2 for c in open(sys.argv[1], encoding="utf-8").read()) else 1)' "$TMP/screen.ans"; then
    install_pkgs fonts-noto-cjk
fi

mkdir -p "$(dirname "$OUT")"
"$PY" - "$TMP/screen.ans" "$OUT" "$COLS" "$ROWS" <<'PYEOF'
"""Render a `tmux capture-pane -e -p` capture (text + SGR sequences) to a PNG, cell by cell."""
import re
import subprocess
import sys

from fontTools.ttLib import TTCollection, TTFont
from PIL import Image, ImageDraw, ImageFont
from wcwidth import wcwidth

src, out, COLS, ROWS = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])

# --- look --------------------------------------------------------------------------------------
FONT_PX = 18                 # DejaVu Sans Mono: advance 0.602 em -> 10.8 px
CELL_W, CELL_H = 11, 22
PAD = 14                     # margin around the cell grid
BG = (0x1e, 0x21, 0x27)      # default background
FG = (0xc8, 0xcc, 0xd4)      # default foreground
BASE16 = [                   # palette 0-15 (a One Dark-like scheme)
    (0x3f, 0x44, 0x51), (0xe0, 0x6c, 0x75), (0x98, 0xc3, 0x79), (0xe5, 0xc0, 0x7b),
    (0x61, 0xaf, 0xef), (0xc6, 0x78, 0xdd), (0x56, 0xb6, 0xc2), (0xc8, 0xcc, 0xd4),
    (0x7f, 0x84, 0x8e), (0xff, 0x7a, 0x85), (0xb5, 0xe8, 0x90), (0xff, 0xd6, 0x8a),
    (0x7c, 0xc4, 0xff), (0xde, 0x9a, 0xf0), (0x70, 0xd6, 0xe0), (0xff, 0xff, 0xff),
]


def xterm256(n):
    if n < 16:
        return BASE16[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return (steps[n // 36], steps[n // 6 % 6], steps[n % 6])
    v = 8 + 10 * (n - 232)
    return (v, v, v)


# --- parse: a grid of cells [ch, width, fg, bg, bold, dim, italic, underline, reverse] -------------
class Attr:
    def __init__(self):
        self.reset()

    def reset(self):
        self.fg = self.bg = None
        self.bold = self.dim = self.italic = self.under = self.rev = False

    def key(self):
        return (self.fg, self.bg, self.bold, self.dim, self.italic, self.under, self.rev)


def sgr(a, params):
    p = [int(x) if x else 0 for x in re.split('[;:]', params)] if params else [0]
    i = 0
    while i < len(p):
        c = p[i]
        if c == 0: a.reset()
        elif c == 1: a.bold = True
        elif c == 2: a.dim = True
        elif c == 3: a.italic = True
        elif c in (4, 21): a.under = True
        elif c == 7: a.rev = True
        elif c == 22: a.bold = a.dim = False
        elif c == 23: a.italic = False
        elif c == 24: a.under = False
        elif c == 27: a.rev = False
        elif 30 <= c <= 37: a.fg = xterm256(c - 30)
        elif 90 <= c <= 97: a.fg = xterm256(c - 90 + 8)
        elif 40 <= c <= 47: a.bg = xterm256(c - 40)
        elif 100 <= c <= 107: a.bg = xterm256(c - 100 + 8)
        elif c == 39: a.fg = None
        elif c == 49: a.bg = None
        elif c in (38, 48, 58) and i + 1 < len(p):
            if p[i + 1] == 5 and i + 2 < len(p):
                col, i = xterm256(p[i + 2] & 255), i + 2
            elif p[i + 1] == 2 and i + 4 < len(p):
                col, i = tuple(v & 255 for v in p[i + 2:i + 5]), i + 4
            else:
                col = None
            if c == 38: a.fg = col
            elif c == 48: a.bg = col
        # 5/6 blink, 8 hidden, 9 strike, 53 overline...: not used by the app, ignored
        i += 1


text = open(src, encoding='utf-8').read()
lines = text.split('\n')
if lines and lines[-1] == '':
    lines.pop()
if len(lines) != ROWS:
    sys.exit(f'render: capture has {len(lines)} lines, expected {ROWS}')

grid = [[None] * COLS for _ in range(ROWS)]
attr = Attr()                   # tmux carries attributes over line ends: keep them across lines
token = re.compile(r'\x1b\[([0-9;:]*)([A-Za-z])|\x1b.|([^\x1b])', re.S)
for y, line in enumerate(lines):
    x = 0
    for m in token.finditer(line):
        if m.group(2) is not None:
            if m.group(2) == 'm':
                sgr(attr, m.group(1))
            else:
                sys.exit(f'render: unexpected escape sequence {m.group(0)!r} on line {y + 1}')
            continue
        ch = m.group(3)
        if ch is None:
            sys.exit(f'render: unexpected escape sequence {m.group(0)!r} on line {y + 1}')
        w = wcwidth(ch)
        if w < 0:
            sys.exit(f'render: control character {ch!r} on line {y + 1}')
        if w == 0:              # combining mark: append to the previous cell
            if x > 0 and grid[y][x - 1] is not None:
                grid[y][x - 1][0] += ch
            continue
        if x + w > COLS:
            sys.exit(f'render: line {y + 1} is wider than {COLS} cells')
        grid[y][x] = [ch, w, *attr.key()]
        if w == 2:
            grid[y][x + 1] = ['', 0, *attr.key()]
        x += w

# --- fonts -------------------------------------------------------------------------------------
def fc_match(pattern):
    r = subprocess.run(['fc-match', '-f', '%{file}\t%{index}', pattern], capture_output=True, text=True)
    f, _, idx = r.stdout.partition('\t')
    return f, int(idx or 0)


def cmap_of(path, index):
    if path.lower().endswith(('.ttc', '.otc')):
        return TTCollection(path).fonts[index].getBestCmap()
    return TTFont(path, fontNumber=index).getBestCmap()


class Face:
    def __init__(self, pattern, must=None):
        self.path, self.index = fc_match(pattern)
        if must and must.lower() not in self.path.lower():
            self.cmap = {}
            return
        self.cmap = cmap_of(self.path, self.index)
        self.sizes = {}

    def font(self, px):
        if px not in self.sizes:
            self.sizes[px] = ImageFont.truetype(self.path, px, index=self.index)
        return self.sizes[px]


DJ = '/usr/share/fonts/truetype/dejavu/'
faces = {                        # fallback chains, regular and bold
    False: [Face('DejaVu Sans Mono', 'DejaVuSansMono'), Face('DejaVu Sans', 'DejaVuSans'),
            Face('Noto Sans Mono CJK SC', 'CJK'), Face('Noto Sans Symbols2', 'Symbols2')],
    True: [Face('DejaVu Sans Mono:bold', 'DejaVuSansMono-Bold'), Face('DejaVu Sans:bold', 'DejaVuSans-Bold'),
           Face('Noto Sans Mono CJK SC:bold', 'CJK'), Face('Noto Sans Symbols2', 'Symbols2')],
}
mono = faces[False][0].font(FONT_PX)
ASC, DESC = mono.getmetrics()
BASELINE = (CELL_H - (ASC + DESC)) // 2 + ASC       # from the top of a cell
missing = set()


def face_for(ch, bold):
    for f in faces[bold]:
        if all(ord(c) in f.cmap for c in ch[:1]):
            return f
    missing.add(ch)
    return faces[bold][0]


# --- box drawing and blocks, drawn so that they join across cells --------------------------------
# (up, right, down, left): 0 none, 1 light, 2 heavy, 3 double
BOX = {}
def _box(chars, *specs):
    for c, s in zip(chars, specs):
        BOX[c] = s
_box('─━│┃', (0,1,0,1), (0,2,0,2), (1,0,1,0), (2,0,2,0))
_box('┌┍┎┏┐┑┒┓└┕┖┗┘┙┚┛',
     (0,1,1,0), (0,2,1,0), (0,1,2,0), (0,2,2,0), (0,0,1,1), (0,0,1,2), (0,0,2,1), (0,0,2,2),
     (1,1,0,0), (1,2,0,0), (2,1,0,0), (2,2,0,0), (1,0,0,1), (1,0,0,2), (2,0,0,1), (2,0,0,2))
_box('├┝┠┣┤┥┨┫┬┯┰┳┴┷┸┻┼┿╂╋',
     (1,1,1,0), (1,2,1,0), (2,1,2,0), (2,2,2,0), (1,0,1,1), (1,0,1,2), (2,0,2,1), (2,0,2,2),
     (0,1,1,1), (0,2,1,2), (0,1,2,1), (0,2,2,2), (1,1,0,1), (1,2,0,2), (2,1,0,1), (2,2,0,2),
     (1,1,1,1), (1,2,1,2), (2,1,2,1), (2,2,2,2))
_box('═║╔╗╚╝╠╣╦╩╬', (0,3,0,3), (3,0,3,0), (0,3,3,0), (0,0,3,3), (3,3,0,0), (3,0,0,3),
     (3,3,3,0), (3,0,3,3), (0,3,3,3), (3,3,0,3), (3,3,3,3))
_box('╒╓╕╖╘╙╛╜╞╟╡╢╤╥╧╨╪╫',
     (0,3,1,0), (0,1,3,0), (0,0,1,3), (0,0,3,1), (1,3,0,0), (3,1,0,0), (1,0,0,3), (3,0,0,1),
     (1,3,1,0), (3,1,3,0), (1,0,1,3), (3,0,3,1), (0,3,1,3), (0,1,3,1), (1,3,0,3), (3,1,0,1),
     (1,3,1,3), (3,1,3,1))
_box('╴╵╶╷╸╹╺╻', (0,0,0,1), (1,0,0,0), (0,1,0,0), (0,0,1,0), (0,0,0,2), (2,0,0,0), (0,2,0,0), (0,0,2,0))
ROUND = {'╭': (0,1,1,0), '╮': (0,0,1,1), '╯': (1,0,0,1), '╰': (1,1,0,0)}
LIGHT = max(1, round(CELL_W / 11))
HEAVY = LIGHT * 2 + 1


def draw_box(d, x0, y0, w, spec, col, rounded=False):
    cx, cy = x0 + w // 2, y0 + CELL_H // 2          # centre of the cell
    x1, y1 = x0 + w, y0 + CELL_H
    up, right, down, left = spec
    if rounded:
        r = min(w, CELL_H) // 2
        box = {(0,1,1,0): (cx, cy, cx + 2*r, cy + 2*r, 180, 270),
               (0,0,1,1): (cx - 2*r, cy, cx, cy + 2*r, 270, 360),
               (1,0,0,1): (cx - 2*r, cy - 2*r, cx, cy, 0, 90),
               (1,1,0,0): (cx, cy - 2*r, cx + 2*r, cy, 90, 180)}[spec]
        bx0, by0, bx1, by1, a0, a1 = box
        t = LIGHT
        o = t // 2
        d.arc((bx0 - o, by0 - o, bx1 - o + t - 1, by1 - o + t - 1), a0, a1, fill=col, width=t)
        if up: d.rectangle((cx - o, y0, cx - o + t - 1, cy - r), fill=col)
        if down: d.rectangle((cx - o, cy + r, cx - o + t - 1, y1 - 1), fill=col)
        if left: d.rectangle((x0, cy - o, cx - r, cy - o + t - 1), fill=col)
        if right: d.rectangle((cx + r, cy - o, x1 - 1, cy - o + t - 1), fill=col)
        return

    # Straight lines. A light or heavy arm is one line through the centre; a double arm is two lines
    # G pixels either side of it. Each line of an arm runs from the cell edge towards the centre and
    # ends where it meets the lines of the other arms, so corners, tees and crosses close cleanly.
    G = LIGHT + 1
    arms = {'u': up, 'r': right, 'd': down, 'l': left}
    opposite = {'u': 'd', 'd': 'u', 'l': 'r', 'r': 'l'}
    sides = {'u': ('l', 'r'), 'd': ('l', 'r'), 'l': ('u', 'd'), 'r': ('u', 'd')}
    sign = {'u': -1, 'l': -1, 'd': 1, 'r': 1}     # direction of an arm from the centre

    def thick(kind):
        return HEAVY if kind == 2 else LIGHT

    def seg(arm, offset, reach, t):
        """A line of `arm`, `offset` px across it from the centre, reaching `reach` px past the centre
        (towards the opposite arm; negative stops short of it)."""
        vertical = arm in 'ud'
        c_across = (cx if vertical else cy) + offset
        c_along, edge = (cy, y0 if arm == 'u' else y1 - 1) if vertical else (cx, x0 if arm == 'l' else x1 - 1)
        end = c_along - sign[arm] * reach
        lo, hi = sorted((edge, end))
        a0 = c_across - t // 2
        if vertical:
            d.rectangle((a0, lo, a0 + t - 1, hi), fill=col)
        else:
            d.rectangle((lo, a0, hi, a0 + t - 1), fill=col)

    for arm, kind in arms.items():
        if not kind:
            continue
        perp = [arms[s] for s in sides[arm]]
        if kind != 3:
            if arms[opposite[arm]]:              # straight on through the centre
                reach = 0
            elif perp == [3, 3]:                 # ends on a straight double line: at its near line
                reach = -G
            elif 3 in perp:                      # meets a double corner: touch both of its lines
                reach = G
            else:                                # cover the thickness of the arms across
                reach = max([thick(k) // 2 for k in perp if k] or [0])
            seg(arm, 0, reach, thick(kind))
            continue
        for side in sides[arm]:
            off = sign[side] * G
            other = [k for k in perp if k != 3 and k]
            if arms[side] == 3:                  # inner corner with the double arm on that side
                reach = -G
            elif arms[opposite[arm]] or other:   # straight on, or meets a single line at the centre
                reach = 0
            else:                                # outer corner: close against the far line
                reach = G
            seg(arm, off, reach, LIGHT)


def draw_block(d, ch, x0, y0, w, col, bg):
    o = ord(ch)
    x1, y1 = x0 + w, y0 + CELL_H
    if o == 0x2580: d.rectangle((x0, y0, x1 - 1, y0 + CELL_H // 2 - 1), fill=col); return True   # ▀
    if 0x2581 <= o <= 0x2588:                                                                     # ▁..█
        h = round(CELL_H * (o - 0x2580) / 8)
        d.rectangle((x0, y1 - h, x1 - 1, y1 - 1), fill=col); return True
    if 0x2589 <= o <= 0x258F:                                                                     # ▉..▏
        ww = max(1, round(w * (0x2590 - o) / 8))
        d.rectangle((x0, y0, x0 + ww - 1, y1 - 1), fill=col); return True
    if o == 0x2590: d.rectangle((x0 + w // 2, y0, x1 - 1, y1 - 1), fill=col); return True          # ▐
    if 0x2591 <= o <= 0x2593:                                                                     # ░▒▓
        k = (o - 0x2590) / 4
        mix = tuple(round(b + (c - b) * k) for c, b in zip(col, bg))
        d.rectangle((x0, y0, x1 - 1, y1 - 1), fill=mix); return True
    if o == 0x2594: d.rectangle((x0, y0, x1 - 1, y0 + CELL_H // 8 - 1), fill=col); return True     # ▔
    if o == 0x2595: d.rectangle((x1 - max(1, w // 8), y0, x1 - 1, y1 - 1), fill=col); return True  # ▕
    return False


# --- render ------------------------------------------------------------------------------------
img = Image.new('RGB', (COLS * CELL_W + 2 * PAD, ROWS * CELL_H + 2 * PAD), BG)
d = ImageDraw.Draw(img)
glyphs = []
for y in range(ROWS):
    for x in range(COLS):
        c = grid[y][x]
        if c is None or c[1] == 0:
            continue
        ch, w, fg, bg, bold, dim, italic, under, rev = c
        fg, bg = fg or FG, bg or BG
        if rev:
            fg, bg = bg, fg
        if dim:
            fg = tuple(round(b + (f - b) * 0.6) for f, b in zip(fg, bg))
        x0, y0, cw = PAD + x * CELL_W, PAD + y * CELL_H, w * CELL_W
        if bg != BG:
            d.rectangle((x0, y0, x0 + cw - 1, y0 + CELL_H - 1), fill=bg)
        glyphs.append((ch, x0, y0, cw, fg, bg, bold, under))

for ch, x0, y0, cw, fg, bg, bold, under in glyphs:   # glyphs after all backgrounds: overhangs survive
    if ch in BOX:
        draw_box(d, x0, y0, cw, BOX[ch], fg)
    elif ch in ROUND:
        draw_box(d, x0, y0, cw, ROUND[ch], fg, rounded=True)
    elif len(ch) == 1 and draw_block(d, ch, x0, y0, cw, fg, bg):
        pass
    elif ch != ' ':
        face = face_for(ch, bold)
        px = FONT_PX
        font = face.font(px)
        adv = font.getlength(ch)
        while adv > cw + 1 and px > 8:                 # too wide for its cells: shrink to fit
            px -= 1
            font = face.font(px)
            adv = font.getlength(ch)
        gx = x0 + (cw - adv) / 2 if face is not faces[bold][0] else x0
        d.text((gx, y0 + BASELINE), ch, font=font, fill=fg, anchor='ls')
    if under:
        uy = y0 + BASELINE + 2
        d.rectangle((x0, uy, x0 + cw - 1, uy), fill=fg)

img.save(out, optimize=True)
if missing:
    print('render: no font has ' + ' '.join(sorted(missing)), file=sys.stderr)
PYEOF

if [ "${KEEP_CAPTURE:-}" = 1 ]; then cp "$TMP/screen.ans" "${OUT%.png}.ans"; fi
"$PY" -c 'import sys; from PIL import Image; im = Image.open(sys.argv[1]); print(f"{sys.argv[1]}: {im.width}x{im.height} px")' "$OUT"
echo "$(stat -c %s "$OUT") bytes"
