/* The five DUSK writing styles: one profile rendered as a "Title:" block.
 * Every style states every attribute of gen_attr_text() word for word (the
 * QA answers are taken from there), each in its own shape and wording, with
 * several templates per sentence chosen by the rng. */
#ifndef DUSK_GEN_RENDER_H
#define DUSK_GEN_RENDER_H

#include "gen/profile.h"
#include "util/textbuf.h"
#include "util/rng.h"

#define GEN_N_STYLES 5

void gen_render(TextBuf *out, const GenProfile *p, int style, Rng *rng);

#endif
