"""Checks of a `dusk gen` corpus against the options it was made with (used by
test_gen.sh). Independent of dusk: reads the files as the DUSK reference code
would (json / jsonl / text) and checks them with plain string operations.

usage: gen_check.py DIR shared=N unique=N holdout=N icl=N qa=N verbatim=N pw=N gw=N forget=DOC shared_in=DOC,..."""
import json, os, re, sys

DOCS = ["Chronological", "Feature_Story", "Interview", "Inverted_Pyramid", "Listicle"]
root = sys.argv[1]
opt = dict(a.split("=", 1) for a in sys.argv[2:])
num = {k: int(v) for k, v in opt.items() if v.isdigit()}
forget, shared_in = opt["forget"], opt["shared_in"].split(",")


def read(p):
    with open(os.path.join(root, p), encoding="utf-8") as f:
        return f.read()


def jsonl(p):
    return [json.loads(line) for line in read(p).splitlines() if line.strip()]


def blocks(text):
    """{person name: block text} of a document of "Title:" blocks."""
    out = {}
    for b in re.split(r"(?m)^(?=Title: )", text):
        if not b.strip():
            continue
        m = re.search(r"Dr\. ([A-Z][a-z]+ [A-Z][a-z]+)", b.splitlines()[0])
        assert m, ("title without a name", b[:80])
        assert m.group(1) not in out, ("name twice in a document", m.group(1))
        out[m.group(1)] = b
    return out


docs = {d: read(f"{d}.txt") for d in DOCS}
people = {d: blocks(t) for d, t in docs.items()}
holdout = blocks(read("eval/holdout.txt"))
assert len(holdout) == num["holdout"], len(holdout)

# Shared people: exactly those in every document of shared_in; unique people in one document only.
sets = [set(people[d]) for d in shared_in]
shared = set.intersection(*sets)
assert len(shared) == num["shared"], (len(shared), num["shared"])
for d in DOCS:
    uniq = set(people[d]) - shared
    assert len(uniq) == num["unique"], (d, len(uniq))
    assert (shared <= set(people[d])) == (d in shared_in), (d, "shared presence")
    for other in DOCS:
        if other != d:
            for name in uniq:
                assert name not in docs[other], (name, "of", d, "appears in", other)
    for name in holdout:
        assert name not in docs[d], ("holdout person in", d, name)

# The five renderings of a shared person really differ in shape.
name = sorted(shared)[0]
marks = {"Chronological": "Biography: ", "Interview": "\nQ: ", "Listicle": "\n1. ", "Inverted_Pyramid": "Background: "}
for d in shared_in:
    for doc2, mark in marks.items():
        assert (mark in people[d][name]) == (d == doc2), (d, mark)
renders = [people[d][name] for d in shared_in]
assert len(set(renders)) == len(renders)


def check_qa(path, n, sources):
    recs = jsonl(path)
    assert len(recs) == n, (path, len(recs), n)
    for r in recs:
        assert set(r) == {"question", "answer"} and r["answer"], (path, r)
        m = re.search(r"Dr\. ([A-Z][a-z]+ [A-Z][a-z]+)", r["question"])
        who = m.group(1)
        src = [d for d in sources if who in people[d]]
        assert src, (path, who, "in no source document")
        for d in src:
            assert r["answer"] in people[d][who], (path, d, who, r)
    return recs


q = num["qa"]
gen = check_qa("eval/GeneralQA.jsonl", num["shared"] * q, shared_in)
assert all(re.search(r"Dr\. (\w+ \w+)", r["question"]).group(1) in shared for r in gen)
fq = check_qa("eval/SpecificForgetQA.jsonl", num["unique"] * q, [forget])
rq = check_qa("eval/SpecificRetainQA.jsonl", num["unique"] * (len(DOCS) - 1) * q, [d for d in DOCS if d != forget])
icl = jsonl("eval/icl.jsonl")
assert len(icl) == 2 * num["icl"]
for r in icl:
    assert set(r) == {"question", "answer"}
    who = re.search(r"Dr\. (\w+ \w+)", r["question"]).group(1)
    assert all(who not in t for t in docs.values()) and who not in read("eval/holdout.txt"), who

verb = json.loads(read("eval/verbatim.json"))
assert isinstance(verb, list) and len(verb) == num["verbatim"]
for v in verb:
    assert set(v) == {"prompt", "gt"}
    assert (v["prompt"] + v["gt"]) in docs[forget], v
    assert len(v["prompt"].split()) == num["pw"] and len(v["gt"].split()) == num["gw"], v

world = read("world/World.txt")
assert "Dr." not in world and all(n not in world for d in people.values() for n in d)
mc = jsonl("world/world_mc.jsonl")
assert len(mc) >= 20
for r in mc:
    assert set(r) == {"context", "choices", "gold"} and len(r["choices"]) == 4, r
    assert len(set(r["choices"])) == 4 and 0 <= r["gold"] < 4, r
    assert r["choices"][r["gold"]].strip() in world, r
assert len({r["gold"] for r in mc}) == 4  # the right answer is not always in one place
print(f"gen_check {root}: ok ({len(gen)}+{len(fq)}+{len(rq)} QA, {len(verb)} verbatim, {len(mc)} MC)")
