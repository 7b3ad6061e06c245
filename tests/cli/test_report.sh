#!/usr/bin/env bash
# `dusk report RESULTS` on a hand-made results tree (tests/cli/report_fixture.py:
# Target, Retrain, three methods, a failed row, a missing row, null and absent
# metrics). Every value of summary.json / summary.csv / summary.md is checked
# against the input files read here with Python's json module; every SVG must
# parse as XML, with one point per finished row that has the metric, the
# Target / Retrain reference lines exactly where those have values, and all
# points on one linear scale per axis; report.html holds the table, every plot
# and nothing external. Malformed input fails naming the file, writing nothing.
set -euo pipefail
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
PY=${PY:-/usr/bin/python3}
HERE="$(cd "$(dirname "$0")" && pwd)"

"$PY" "$HERE/report_fixture.py" "$T/res"
"$DUSK" report "$T/res" >"$T/stdout"

"$PY" - "$T" "$DUSK" "$HERE/report_fixture.py" <<'PYEOF'
import csv, glob, html.parser, json, os, re, shutil, subprocess, sys
import xml.etree.ElementTree as ET

T, DUSK, FIXTURE = sys.argv[1:4]
R = f"{T}/res"
KEYS = ["verbmem", "ufk", "sk", "urk", "dc", "privleak", "retain_deviation"]
NS = "{http://www.w3.org/2000/svg}"
failures = []
def check(cond, what):
    if not cond:
        failures.append(what)

def load(p):
    with open(p) as f:
        return json.load(f)

# --- what the inputs say, read independently of dusk ---
sweep = load(f"{R}/sweep.json")
expect = []
for s in sweep["rows"]:
    stage_p, summ_p = f"{R}/{s['dir']}/stage.json", f"{R}/{s['dir']}/eval/summary.json"
    stage = load(stage_p) if os.path.exists(stage_p) else None
    status = "missing" if stage is None else stage["status"]
    summ = load(summ_p) if status == "ok" else {}
    expect.append({"row": s["row"], "method": s.get("method"), "epochs": s.get("epochs"), "dir": s["dir"],
                   "status": status, "error": stage["error"] if stage and status == "failed" else None,
                   "wall": (stage or {}).get("wall_s", {}),
                   "m": {k: summ.get(k) for k in KEYS}})
check([e["status"] for e in expect].count("failed") == 1 and [e["status"] for e in expect].count("missing") == 1,
      "fixture: one failed and one missing row")

# --- summary.json ---
sj = load(f"{R}/summary.json")
check(sj["columns"] == ["Row", "Epochs", "VerbMem", "UFK", "SK", "URK", "DC", "PrivLeak", "RetainDeviation",
                        "Train s", "Eval s", "Status"], f"summary.json columns {sj['columns']}")
check(len(sj["rows"]) == len(expect), "summary.json row count")
for got, e in zip(sj["rows"], expect):
    for k in ("row", "method", "epochs", "dir", "status", "error"):
        check(got[k] == e[k], f"summary.json {e['dir']} {k}: {got[k]!r} != {e[k]!r}")
    for k in KEYS:
        check(got[k] == e["m"][k], f"summary.json {e['dir']} {k}: {got[k]!r} != {e['m'][k]!r}")
    check(got["wall_s"] == e["wall"], f"summary.json {e['dir']} wall_s {got['wall_s']} != {e['wall']}")

# --- summary.csv: full precision, empty when missing ---
with open(f"{R}/summary.csv", newline="") as f:
    table = list(csv.reader(f))
check(table[0] == sj["columns"], "summary.csv header")
check(len(table) == 1 + len(expect), "summary.csv row count")
def csv_num(cell, v, what):
    if v is None:
        check(cell == "", f"{what}: {cell!r} should be empty")
    else:
        check(cell != "" and float(cell) == v, f"{what}: {cell!r} != {v!r}")
for cells, e in zip(table[1:], expect):
    what = f"summary.csv {e['dir']}"
    check(len(cells) == 12, f"{what}: {len(cells)} cells")
    check(cells[0] == e["row"], f"{what}: row {cells[0]}")
    check(cells[1] == ("" if e["epochs"] is None else str(e["epochs"])), f"{what}: epochs {cells[1]}")
    for i, k in enumerate(KEYS):
        csv_num(cells[2 + i], e["m"][k], f"{what} {k}")
    csv_num(cells[9], e["wall"].get("train"), f"{what} train s")
    csv_num(cells[10], e["wall"].get("eval"), f"{what} eval s")
    status = "failed: " + e["error"] if e["status"] == "failed" else e["status"]
    check(cells[11] == status, f"{what}: status {cells[11]!r} != {status!r}")

# --- summary.md: the printed table, 1 decimal, "—" when missing ---
md = open(f"{R}/summary.md").read()
check(open(f"{T}/stdout").read() == md, "stdout is not summary.md")
lines = md.rstrip("\n").split("\n")
check(len(lines) == 2 + len(expect), f"summary.md has {len(lines)} lines")
def md_cells(line):
    check(line.startswith("|") and line.endswith("|"), f"summary.md line {line!r}")
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)[1:-1]]
check(md_cells(lines[0]) == sj["columns"], "summary.md header")
check(all(re.fullmatch(r"-+:?", c) for c in md_cells(lines[1])) and len(md_cells(lines[1])) == 12, "summary.md rule")
def md_num(v):
    return "\u2014" if v is None else "%.1f" % v
for line, e in zip(lines[2:], expect):
    cells = md_cells(line)
    want = [e["row"], "\u2014" if e["epochs"] is None else str(e["epochs"])] + [md_num(e["m"][k]) for k in KEYS] + \
           [md_num(e["wall"].get("train")), md_num(e["wall"].get("eval")),
            "failed: " + e["error"] if e["status"] == "failed" else e["status"]]
    check(cells == want, f"summary.md {e['dir']}: {cells} != {want}")

# --- SVG plots ---
methods = []
for e in expect:
    if e["method"] and e["method"] not in methods:
        methods.append(e["method"])
ref = {kind: next(e for e in expect if e["dir"] == kind) for kind in ("target", "retrain")}
files = sorted(os.path.basename(p) for p in glob.glob(f"{R}/plots/*"))
want_files = sorted([m + ".svg" for m in methods] + ["tradeoff.svg"])
check(files == want_files, f"plots/: {files} != {want_files}")

def points(el):
    return [tuple(map(float, p.split(","))) for p in el.get("points").split()]

def linear(pairs, what, sign):
    """All (value, pixel) pairs on one line, pixels moving with `sign`."""
    pairs = sorted(set(pairs))
    if len({v for v, _ in pairs}) < 2:
        return
    (v0, p0), (v1, p1) = pairs[0], pairs[-1]
    slope = (p1 - p0) / (v1 - v0)
    check(slope * sign > 0, f"{what}: axis direction")
    for v, p in pairs:
        check(abs(p0 + slope * (v - v0) - p) < 0.05, f"{what}: value {v} at pixel {p}, off the scale")

n_polylines = {}
for m in methods:
    root = ET.parse(f"{R}/plots/{m}.svg").getroot()
    check(root.tag == NS + "svg", f"{m}.svg root")
    panels = [g for g in root.iter(NS + "g") if g.get("class") == "panel"]
    check([g.get("data-name") for g in panels] == KEYS, f"{m}.svg panels {[g.get('data-name') for g in panels]}")
    rows = sorted((e for e in expect if e["method"] == m and e["status"] == "ok"), key=lambda e: e["epochs"])
    n_polylines[m] = 0
    for g, k in zip(panels, KEYS):
        what = f"{m}.svg {k}"
        pts = [(e["epochs"], e["m"][k]) for e in rows if e["m"][k] is not None]
        lines_ = [p for p in g.iter(NS + "polyline") if p.get("class") == "series"]
        circles = [c for c in g.iter(NS + "circle") if c.get("class") == "point"]
        check(len(lines_) == (1 if pts else 0), f"{what}: {len(lines_)} polylines")
        check(len(circles) == len(pts), f"{what}: {len(circles)} points, expected {len(pts)}")
        n_polylines[m] += len(lines_)
        px = points(lines_[0]) if lines_ else []
        check(len(px) == len(pts), f"{what}: polyline has {len(px)} points, expected {len(pts)}")
        ys = [(v, y) for (_, v), (_, y) in zip(pts, px)]
        linear([(ep, x) for (ep, _), (x, _) in zip(pts, px)], what + " x", +1)
        for kind in ("target", "retrain"):
            refl = [l for l in g.iter(NS + "line") if l.get("class") == "ref " + kind]
            v = ref[kind]["m"][k]
            check(len(refl) == (0 if v is None else 1), f"{what}: {len(refl)} {kind} lines (value {v})")
            for l in refl:
                check(l.get("stroke-dasharray") is not None and l.get("y1") == l.get("y2"), f"{what}: {kind} line not dashed/horizontal")
                ys.append((v, float(l.get("y1"))))
        linear(ys, what + " y", -1)

root = ET.parse(f"{R}/plots/tradeoff.svg").getroot()
tu = ref["target"]["m"]["ufk"]
xs, ys, n_scatter = [], [], 0
for m in methods:
    g = [g for g in root.iter(NS + "g") if g.get("class") == "method" and g.get("data-name") == m]
    check(len(g) == 1, f"tradeoff.svg: group of {m}")
    rows = [e for e in expect if e["method"] == m and e["status"] == "ok" and e["m"]["ufk"] is not None and e["m"]["sk"] is not None]
    circles = [c for c in g[0].iter(NS + "circle") if c.get("class") == "point"]
    check(len(circles) == len(rows), f"tradeoff.svg {m}: {len(circles)} points, expected {len(rows)}")
    n_scatter += len(rows)
    for c, e in zip(circles, rows):
        xs.append((tu - e["m"]["ufk"], float(c.get("cx"))))
        ys.append((e["m"]["sk"], float(c.get("cy"))))
for kind in ("target", "retrain"):
    marks = [r for r in root.iter(NS + "rect") if r.get("class") == "ref-point " + kind]
    check(len(marks) == 1, f"tradeoff.svg: {len(marks)} {kind} markers")
    for r in marks:
        xs.append((tu - ref[kind]["m"]["ufk"], float(r.get("x")) + 6))
        ys.append((ref[kind]["m"]["sk"], float(r.get("y")) + 6))
check(n_scatter == 5 and len(xs) == n_scatter + 2, f"tradeoff.svg: {len(xs)} placed points")
linear(xs, "tradeoff.svg x", +1)
linear(ys, "tradeoff.svg y", -1)

# --- report.html ---
page = open(f"{R}/report.html").read()
class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.body_rows, self.in_tbody, self.text, self.bad = [], 0, False, [], []
    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.in_tbody |= tag == "tbody"
        self.body_rows += tag == "tr" and self.in_tbody
        self.bad += [f"{tag} {k}={v}" for k, v in attrs if k in ("src", "href") or (v or "").startswith(("http:", "https:", "//")) and k != "xmlns"]
    def handle_endtag(self, tag):
        self.in_tbody &= tag != "tbody"
    def handle_data(self, d):
        self.text.append(d)
p = Page(); p.feed(page)
text = "".join(p.text)
check(p.body_rows == len(expect), f"report.html: {p.body_rows} table rows")
check(p.tags.count("svg") == len(want_files), f"report.html: {p.tags.count('svg')} svg")
check(not p.bad and not {"script", "link", "img", "iframe", "object"} & set(p.tags), f"report.html external/active content {p.bad}")
for f in want_files:
    check(open(f"{R}/plots/{f}").read() in page, f"report.html does not inline plots/{f}")
check("0.1.0-test" in text, "report.html: dusk version")
check(json.dumps(sweep["config"]["model"]) in text and '"methods"' in text, "report.html: config")
err = next(e["error"] for e in expect if e["error"])
check(text.count(err) == 2, f"report.html: the failed row's message (table + list) {text.count(err)}")

# --- malformed input: a message naming the file, non-zero exit, nothing written ---
OUTPUTS = ["summary.json", "summary.csv", "summary.md", "report.html", "plots"]
def fresh(name):
    d = f"{T}/{name}"
    subprocess.run([sys.executable, FIXTURE, d], check=True)
    return d
def bad_case(name, edit, needle):
    d = fresh(name)
    edit(d)
    r = subprocess.run([DUSK, "report", d], capture_output=True, text=True)
    check(r.returncode != 0, f"{name}: accepted")
    check(needle in r.stderr, f"{name}: message {r.stderr.strip()!r} does not name {needle!r}")
    left = [o for o in OUTPUTS if os.path.exists(f"{d}/{o}")] + glob.glob(f"{d}/*.tmp*") + glob.glob(f"{d}/plots.*")
    check(not left, f"{name}: wrote {left}")
    return d
def put(path, text):
    with open(path, "w") as f:
        f.write(text)
def edit_json(path, fn):
    obj = load(path); fn(obj); put(path, json.dumps(obj))

bad_case("truncated", lambda d: put(f"{d}/sweep.json", open(f"{d}/sweep.json").read()[:-20]), "sweep.json")
bad_case("no_sweep", lambda d: os.remove(f"{d}/sweep.json"), "sweep.json")
bad_case("rows_not_array", lambda d: edit_json(f"{d}/sweep.json", lambda o: o.update(rows={})), "sweep.json")
bad_case("summary_array", lambda d: put(f"{d}/GA/epoch1/eval/summary.json", "[1, 2]"), "GA/epoch1/eval/summary.json")
bad_case("metric_string", lambda d: edit_json(f"{d}/NPO+KL/epoch1/eval/summary.json", lambda o: o.update(ufk="12.5")),
         "NPO+KL/epoch1/eval/summary.json")
bad_case("metric_bool", lambda d: edit_json(f"{d}/target/eval/summary.json", lambda o: o.update(sk=True)), "target/eval/summary.json")
bad_case("stage_status", lambda d: edit_json(f"{d}/GA/epoch2/stage.json", lambda o: o.update(status="done")), "GA/epoch2/stage.json")
bad_case("stage_wall", lambda d: edit_json(f"{d}/GA/epoch2/stage.json", lambda o: o.update(wall_s={"train": "1"})), "GA/epoch2/stage.json")
bad_case("ok_without_summary", lambda d: os.remove(f"{d}/GA/epoch3/eval/summary.json"), "GA/epoch3/eval/summary.json")
bad_case("dir_escapes", lambda d: edit_json(f"{d}/sweep.json", lambda o: o["rows"][2].update(dir="../GA/epoch3")), "sweep.json")
bad_case("method_no_epochs", lambda d: edit_json(f"{d}/sweep.json", lambda o: o["rows"][3].pop("epochs")), "sweep.json")

# a failed rebuild leaves the earlier outputs exactly as they were
d = fresh("rebuild")
subprocess.run([DUSK, "report", d], check=True, capture_output=True)
before = {o: open(o, "rb").read() for o in glob.glob(f"{d}/summary.*") + glob.glob(f"{d}/report.html") + glob.glob(f"{d}/plots/*")}
put(f"{d}/GA/epoch1/eval/summary.json", '{"ufk": }')
r = subprocess.run([DUSK, "report", d], capture_output=True, text=True)
check(r.returncode != 0 and "GA/epoch1/eval/summary.json" in r.stderr, f"rebuild: {r.returncode} {r.stderr!r}")
after = {o: open(o, "rb").read() for o in glob.glob(f"{d}/summary.*") + glob.glob(f"{d}/report.html") + glob.glob(f"{d}/plots/*")}
check(before == after and len(before) == 4 + len(want_files), "rebuild: a failed run changed the earlier outputs")
# ... and a good rebuild over existing outputs replaces them (plots/ included)
shutil.copy(f"{R}/GA/epoch1/eval/summary.json", f"{d}/GA/epoch1/eval/summary.json")
r = subprocess.run([DUSK, "report", d], capture_output=True, text=True)
check(r.returncode == 0 and open(f"{d}/summary.json").read() == open(f"{R}/summary.json").read(), "rebuild over outputs")

r = subprocess.run([DUSK, "report"], capture_output=True, text=True)
check(r.returncode != 0 and "RESULTS" in r.stderr, f"no argument: {r.returncode} {r.stderr!r}")
r = subprocess.run([DUSK, "report", f"{T}/nope"], capture_output=True, text=True)
check(r.returncode != 0 and f"{T}/nope" in r.stderr, f"missing directory: {r.returncode} {r.stderr!r}")

if failures:
    print("FAIL:\n  " + "\n  ".join(failures))
    sys.exit(1)
print(f"ok: {len(expect)} rows, {len(want_files)} plots, {sum(n_polylines.values())} metric polylines checked")
PYEOF
