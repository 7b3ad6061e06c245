#include "tokenizer/pretokenize.h"

#include <stdlib.h>
#include <string.h>

#include "tokenizer/utf8.h"
#include "util/err.h"

const char kGpt2SplitPattern[] =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

void spanvec_push(SpanVec *v, const char *s, size_t len) {
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 64;
        v->items = xrealloc(v->items, v->cap * sizeof *v->items);
    }
    v->items[v->n++] = (Span){s, len};
}

void spanvec_free(SpanVec *v) {
    free(v->items);
    memset(v, 0, sizeof *v);
}

pcre2_code *pretok_compile(const char *pattern, size_t len, int literal) {
    /* MATCH_INVALID_UTF: byte-level BPE must accept any bytes; invalid
     * sequences simply never match and end up in the gaps between matches. */
    uint32_t options = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
    options |= literal ? PCRE2_LITERAL : PCRE2_UCP; /* PCRE2 refuses UCP with LITERAL (and needs none) */
    int code;
    PCRE2_SIZE at;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, len, options, &code, &at, NULL);
    if (!re) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(code, msg, sizeof msg);
        dusk_error("bad regex at offset %zu: %s", (size_t)at, (const char *)msg);
        return NULL;
    }
    pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* optional: falls back to the interpreter */
    return re;
}

static PreStep *new_step(PreTokenizer *p) {
    p->steps = xrealloc(p->steps, (size_t)(p->n_steps + 1) * sizeof *p->steps);
    PreStep *s = &p->steps[p->n_steps++];
    memset(s, 0, sizeof *s);
    return s;
}

void pretok_add_split(PreTokenizer *p, pcre2_code *re, SplitBehavior behavior, int invert) {
    PreStep *s = new_step(p);
    s->re = re;
    s->behavior = behavior;
    s->invert = invert;
}

int pretok_add_bytelevel(PreTokenizer *p, int add_prefix_space, int use_regex) {
    pcre2_code *re = NULL;
    if (use_regex && !(re = pretok_compile(kGpt2SplitPattern, PCRE2_ZERO_TERMINATED, 0))) return -1;
    PreStep *s = new_step(p);
    s->re = re;
    s->behavior = SPLIT_ISOLATED;
    s->add_prefix_space = add_prefix_space;
    return 0;
}

void pretok_free(PreTokenizer *p) {
    for (int i = 0; i < p->n_steps; i++) pcre2_code_free(p->steps[i].re);
    free(p->steps);
    p->steps = NULL;
    p->n_steps = 0;
}

void pretok_scratch_init(PretokScratch *sc) {
    memset(sc, 0, sizeof *sc);
    sc->md = pcre2_match_data_create(1, NULL); /* only the whole match is used */
    sc->mc = pcre2_match_context_create(NULL);
    sc->jit_stack = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
    if (!sc->md || !sc->mc) dusk_die("out of memory creating regex match data");
    if (sc->jit_stack) pcre2_jit_stack_assign(sc->mc, NULL, sc->jit_stack);
}

void pretok_scratch_free(PretokScratch *sc) {
    pcre2_match_data_free(sc->md);
    pcre2_match_context_free(sc->mc);
    pcre2_jit_stack_free(sc->jit_stack);
    arena_free(&sc->arena);
    spanvec_free(&sc->tmp[0]);
    spanvec_free(&sc->tmp[1]);
}

/* A stretch of a piece, either matched by the pattern or between matches. */
typedef struct {
    size_t start, end;
    int is_match;
} Segment;

typedef struct {
    Segment *items;
    size_t n, cap;
} SegmentVec;

static void segment_push(SegmentVec *v, size_t start, size_t end, int is_match) {
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 64;
        v->items = xrealloc(v->items, v->cap * sizeof *v->items);
    }
    v->items[v->n++] = (Segment){start, end, is_match};
}

static size_t char_length_at(const char *s, size_t len, size_t at) {
    uint32_t cp;
    int n = utf8_decode((const unsigned char *)s + at, len - at, &cp);
    return n ? (size_t)n : 1;
}

/* Cut s[0..len) at every match of re (HF's find_matches: an empty match
 * still cuts the text there). */
static int find_segments(const pcre2_code *re, const char *s, size_t len, PretokScratch *sc,
                         SegmentVec *out) {
    size_t prev = 0, at = 0;
    while (at <= len) {
        int rc = pcre2_match(re, (PCRE2_SPTR)s, len, at, 0, sc->md, sc->mc);
        if (rc == PCRE2_ERROR_NOMATCH) break;
        if (rc < 0 && rc != 0) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(rc, msg, sizeof msg);
            return dusk_error("regex matching failed: %s", (const char *)msg);
        }
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(sc->md);
        size_t start = ov[0], end = ov[1];
        if (start > prev) segment_push(out, prev, start, 0);
        if (end > start) segment_push(out, start, end, 1);
        prev = end;
        if (end == start) {
            if (end >= len) break;
            at = end + char_length_at(s, len, end);
        } else {
            at = end;
        }
    }
    if (prev < len) segment_push(out, prev, len, 0);
    return 0;
}

/* HF's SplitDelimiterBehavior applied to the segments of one piece. */
static void apply_behavior(SegmentVec *segs, SplitBehavior behavior, int invert) {
    size_t n = 0;
    int previous_match = 0;
    if (invert)
        for (size_t i = 0; i < segs->n; i++) segs->items[i].is_match = !segs->items[i].is_match;
    if (behavior == SPLIT_MERGED_WITH_NEXT) {
        /* walk backwards: a match joins the piece that follows it */
        Segment *s = segs->items;
        size_t w = segs->n;
        for (size_t i = segs->n; i-- > 0;) {
            if (s[i].is_match && !previous_match && w < segs->n) s[w].start = s[i].start;
            else s[--w] = s[i];
            previous_match = s[i].is_match;
            s[w].is_match = 0;
        }
        memmove(s, s + w, (segs->n - w) * sizeof *s);
        segs->n -= w;
        return;
    }
    for (size_t i = 0; i < segs->n; i++) {
        Segment cur = segs->items[i];
        int joins = (behavior == SPLIT_MERGED_WITH_PREVIOUS && cur.is_match && !previous_match) ||
                    (behavior == SPLIT_CONTIGUOUS && i > 0 && cur.is_match == previous_match);
        if (behavior == SPLIT_REMOVED && cur.is_match) {
            previous_match = 1;
            continue;
        }
        previous_match = cur.is_match;
        if (joins && n > 0) {
            segs->items[n - 1].end = cur.end;
            continue;
        }
        cur.is_match = 0;
        segs->items[n++] = cur;
    }
    segs->n = n;
}

static int split_piece(const PreStep *step, Span piece, PretokScratch *sc, SegmentVec *segs, SpanVec *out) {
    if (step->add_prefix_space && piece.len > 0 && piece.s[0] != ' ') {
        char *copy = arena_alloc(&sc->arena, piece.len + 1);
        copy[0] = ' ';
        memcpy(copy + 1, piece.s, piece.len);
        piece = (Span){copy, piece.len + 1};
    }
    if (!step->re) {
        if (piece.len) spanvec_push(out, piece.s, piece.len);
        return 0;
    }
    segs->n = 0;
    if (find_segments(step->re, piece.s, piece.len, sc, segs) != 0) return -1;
    if (step->behavior != SPLIT_ISOLATED) apply_behavior(segs, step->behavior, step->invert);
    for (size_t i = 0; i < segs->n; i++)
        if (segs->items[i].end > segs->items[i].start)
            spanvec_push(out, piece.s + segs->items[i].start, segs->items[i].end - segs->items[i].start);
    return 0;
}

int pretok_split(const PreTokenizer *p, const char *text, size_t len, PretokScratch *sc, SpanVec *out) {
    SegmentVec segs = {0};
    int rc = 0;
    if (p->n_steps == 0) {
        if (len) spanvec_push(out, text, len);
        return 0;
    }
    /* pieces flow from one step to the next through two scratch lists; the
     * last step writes straight into out */
    SpanVec *in = &sc->tmp[0], *next = &sc->tmp[1];
    in->n = 0;
    spanvec_push(in, text, len);
    for (int k = 0; k < p->n_steps && rc == 0; k++) {
        SpanVec *dst = k == p->n_steps - 1 ? out : next;
        if (dst == next) next->n = 0;
        for (size_t i = 0; i < in->n && rc == 0; i++) rc = split_piece(&p->steps[k], in->items[i], sc, &segs, dst);
        SpanVec *t = in;
        in = next;
        next = t;
    }
    free(segs.items);
    return rc;
}
