/* The Porter stemmer exactly as NLTK's PorterStemmer() computes it in its
 * default NLTK_EXTENSIONS mode, which is what Google's rouge-score uses for
 * use_stemmer=True.
 *
 * NLTK_EXTENSIONS departs from Porter's 1980 paper in ways that change
 * stems, so they are all reproduced here:
 *  - a small pool of irregular forms is looked up first (dying -> die,
 *    innings -> inning, succeed -> succeed, ...);
 *  - words of one or two letters are returned unchanged;
 *  - step 1a: a four-letter word in -ies keeps its e (dies -> die);
 *  - step 1b: -ied -> -ie for four-letter words, else -i (spied -> spi);
 *  - step 1b/5a: *o also holds for a two-letter vowel+consonant stem;
 *  - step 1c: y -> i only after a consonant that is not the first letter;
 *  - step 2: -bli (not -abli) -> -ble; -alli -> -al then step 2 again;
 *    extra rules -fulli -> -ful and -logi -> -log (measured with the l).
 *
 * Input is one lowercase token; letters other than a, e, i, o, u, y (and
 * digits) are consonants, as in NLTK. */
#ifndef DUSK_EVAL_PORTER_H
#define DUSK_EVAL_PORTER_H

#include <stddef.h>

/* Stem word[0..len) into out, which needs room for len + 1 bytes (a stem is
 * never longer than its word) and may be the same buffer as word. Writes a
 * terminating NUL and returns the stem's length. */
size_t porter_stem(const char *word, size_t len, char *out);

#endif
