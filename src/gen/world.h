/* The general-knowledge side of a generated corpus: a document about the
 * invented world (countries, cities, universities, awards; no professors) and
 * a multiple-choice task about it in the generic downstream format
 * {"context", "choices", "gold"}. */
#ifndef DUSK_GEN_WORLD_H
#define DUSK_GEN_WORLD_H

#include "util/textbuf.h"
#include "util/rng.h"

void gen_world_document(TextBuf *out, Rng *rng);
/* One JSON line per question; returns the number of questions. */
int gen_world_mc(TextBuf *out, Rng *rng);

#endif
