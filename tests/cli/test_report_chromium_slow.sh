#!/usr/bin/env bash
# report.html in headless Chromium: the page must render the results table
# and every plot. --dump-dom of the page gives the DOM Chromium built (table
# rows, one <svg> per plot with as many polylines / points / reference lines
# as the plot file); a copy of the page with a probe script added (the
# report itself has none) records where the browser laid out the table and
# each <svg>, and the screenshot must show ink in each of those boxes, in
# the plots' colours. Named *_slow: the ASan dusk is covered by
# test_report.sh; running Chromium twice adds nothing.
set -euo pipefail
if ! command -v chromium >/dev/null; then echo "SKIP: chromium is not installed (make deps installs it)"; exit 77; fi
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
PY=${PY:-/usr/bin/python3}
HERE="$(cd "$(dirname "$0")" && pwd)"
chrome() { timeout 60 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
    --user-data-dir="$T/profile" "$@" 2>>"$T/chromium.log"; }

"$PY" "$HERE/report_fixture.py" "$T/res"
"$DUSK" report "$T/res" >/dev/null
chrome --dump-dom "file://$T/res/report.html" >"$T/dom.html"

# The probe: each box as data-box="left,top,width,height" in page pixels.
"$PY" - "$T/res/report.html" "$T/probe.html" <<'PYEOF'
import sys
page = open(sys.argv[1]).read()
probe = """<script>
for (const el of document.querySelectorAll("#results, svg")) {
  const r = el.getBoundingClientRect();
  el.setAttribute("data-box", [r.left + scrollX, r.top + scrollY, r.width, r.height].map(Math.round).join(","));
}
document.body.setAttribute("data-height", document.documentElement.scrollHeight);
</script>
"""
assert page.count("</body>") == 1
open(sys.argv[2], "w").write(page.replace("</body>", probe + "</body>"))
PYEOF
chrome --dump-dom --window-size=1280,3000 "file://$T/probe.html" >"$T/probe-dom.html"
HEIGHT=$("$PY" -c "import re,sys; print(re.search(r'<body data-height=\"(\d+)\"', open(sys.argv[1]).read()).group(1))" "$T/probe-dom.html")
[ "$HEIGHT" -gt 500 ] && [ "$HEIGHT" -lt 8000 ] || { echo "FAIL: page height $HEIGHT"; exit 1; }
chrome --screenshot="$T/shot.png" --window-size=1280,"$HEIGHT" "file://$T/probe.html" >/dev/null

"$PY" - "$T" "$HERE" <<'PYEOF'
import glob, html.parser, os, sys
import xml.etree.ElementTree as ET
T, HERE = sys.argv[1:3]
sys.path.insert(0, HERE)
from png_pixels import read_png
failures = []
def check(cond, what):
    if not cond:
        failures.append(what)

SHAPES = ("polyline", "circle", "line", "rect", "text")
class Dom(html.parser.HTMLParser):
    """Table rows, and per <svg> its box and how many of each shape it holds."""
    def __init__(self):
        super().__init__()
        self.rows, self.in_tbody, self.svgs, self.table_box, self.depth = 0, False, [], None, 0
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tbody": self.in_tbody = True
        if tag == "tr" and self.in_tbody: self.rows += 1
        if tag == "table" and a.get("id") == "results": self.table_box = a.get("data-box")
        if tag == "svg":
            self.svgs.append({"box": a.get("data-box"), **{s: 0 for s in SHAPES}})
        elif self.svgs and tag in SHAPES:
            self.svgs[-1][tag] += 1
    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
    def handle_endtag(self, tag):
        if tag == "tbody": self.in_tbody = False

def dom(path):
    d = Dom(); d.feed(open(path).read()); return d

# The plot files, in the page's order: methods first, then the trade-off.
plots = sorted(glob.glob(f"{T}/res/plots/*.svg"), key=lambda p: p.endswith("tradeoff.svg"))
NS = "{http://www.w3.org/2000/svg}"
want = [{s: sum(1 for _ in ET.parse(p).getroot().iter(NS + s)) for s in SHAPES} for p in plots]
n_rows = len(__import__("json").load(open(f"{T}/res/sweep.json"))["rows"])

page = dom(f"{T}/dom.html")
check(page.rows == n_rows, f"rendered table has {page.rows} rows, expected {n_rows}")
check(len(page.svgs) == len(plots), f"rendered page has {len(page.svgs)} <svg>, expected {len(plots)}")
for p, got, w in zip(plots, page.svgs, want):
    got = {s: got[s] for s in SHAPES}
    check(got == w, f"{os.path.basename(p)}: rendered {got}, file has {w}")
    if not p.endswith("RMU.svg"):  # RMU's only row is missing: axes and reference lines only
        check(w["circle"] > 0 and (w["polyline"] > 0 or p.endswith("tradeoff.svg")), f"{os.path.basename(p)}: no polylines or points")

width, height, bpp, px = read_png(f"{T}/shot.png")
def colour(x, y):
    return tuple(px[y][x * bpp:x * bpp + 3])
def ink(box, what):
    """Non-white pixels and distinct colours inside a laid-out box."""
    left, top, w, h = map(int, box.split(","))
    check(w > 100 and h > 100 and left + w <= width and top + h <= height, f"{what}: box {box} in a {width}x{height} shot")
    seen, dark = set(), 0
    for y in range(max(top, 0), min(top + h, height)):
        row = px[y]
        for x in range(max(left, 0), min(left + w, width)):
            c = bytes(row[x * bpp:x * bpp + 3])
            seen.add(c)
            dark += c != b"\xff\xff\xff"
    return dark, len(seen), w * h

probe = dom(f"{T}/probe-dom.html")
check(probe.table_box is not None and len(probe.svgs) == len(plots), "probe: boxes missing")
boxes = [("table", probe.table_box)] + [(os.path.basename(p), s["box"]) for p, s in zip(plots, probe.svgs)]
for what, box in boxes:
    if box is None:
        continue
    dark, n_colours, area = ink(box, what)
    check(dark > 0.01 * area and n_colours >= 5, f"{what}: {dark} non-white pixels of {area}, {n_colours} colours")
    print(f"{what}: box {box}, {dark} non-white pixels, {n_colours} colours")

# The plots' own colours are on screen: series, Target, Retrain, the second
# method's points (trade-off only) and the failed row's background.
counts = {}
for row in px:
    for x in range(0, len(row), bpp):
        c = bytes(row[x:x + 3])
        counts[c] = counts.get(c, 0) + 1
for name, hexc in [("series blue", "1f77b4"), ("Target red", "d62728"), ("Retrain green", "2ca02c"),
                   ("NPO+KL orange", "ff7f0e"), ("failed row", "fde8e8")]:
    n = counts.get(bytes.fromhex(hexc), 0)
    check(n >= 50, f"{name} #{hexc}: {n} pixels")
if failures:
    print("FAIL:\n  " + "\n  ".join(failures))
    sys.exit(1)
print(f"ok: {width}x{height} screenshot, {len(counts)} colours, table of {page.rows} rows and {len(plots)} plots rendered")
PYEOF
