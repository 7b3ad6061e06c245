/* porter_stem on words whose stems were produced by NLTK 3.8's
 * PorterStemmer() (Debian python3-nltk, NLTK_EXTENSIONS mode), the stemmer
 * rouge-score uses: Porter's paper examples per step, NLTK's own departures
 * (owing, dying, -alli, -logi, -eed/-ed), long y runs and digits. Here so the
 * sanitizer build covers the stemmer; tests/ref/test_porter.py compares tens
 * of thousands of words with NLTK directly. */
#include <string.h>

#include "check.h"
#include "eval/porter.h"

static const char *const kCases[][2] = {
    {"caresses", "caress"}, {"ponies", "poni"}, {"ties", "tie"}, {"caress", "caress"}, {"cats", "cat"},
    {"feed", "feed"}, {"agreed", "agre"}, {"plastered", "plaster"}, {"bled", "bled"}, {"motoring", "motor"},
    {"sing", "sing"}, {"conflated", "conflat"}, {"troubled", "troubl"}, {"sized", "size"}, {"hopping", "hop"},
    {"tanned", "tan"}, {"falling", "fall"}, {"hissing", "hiss"}, {"fizzed", "fizz"}, {"failing", "fail"},
    {"filing", "file"}, {"happy", "happi"}, {"sky", "sky"}, {"relational", "relat"},
    {"conditional", "condit"}, {"rational", "ration"}, {"valenci", "valenc"}, {"digitizer", "digit"},
    {"conformabli", "conform"}, {"radicalli", "radic"}, {"differentli", "differ"}, {"vileli", "vile"},
    {"analogousli", "analog"}, {"vietnamization", "vietnam"}, {"predication", "predic"}, {"operator", "oper"},
    {"feudalism", "feudal"}, {"decisiveness", "decis"}, {"hopefulness", "hope"}, {"callousness", "callous"},
    {"formaliti", "formal"}, {"sensitiviti", "sensit"}, {"sensibiliti", "sensibl"}, {"triplicate", "triplic"},
    {"formative", "form"}, {"formalize", "formal"}, {"electriciti", "electr"}, {"electrical", "electr"},
    {"hopeful", "hope"}, {"goodness", "good"}, {"revival", "reviv"}, {"allowance", "allow"},
    {"inference", "infer"}, {"airliner", "airlin"}, {"gyroscopic", "gyroscop"}, {"adjustable", "adjust"},
    {"defensible", "defens"}, {"irritant", "irrit"}, {"replacement", "replac"}, {"adjustment", "adjust"},
    {"dependent", "depend"}, {"adoption", "adopt"}, {"homologou", "homolog"}, {"communism", "commun"},
    {"activate", "activ"}, {"angulariti", "angular"}, {"homologous", "homolog"}, {"effective", "effect"},
    {"bowdlerize", "bowdler"}, {"probate", "probat"}, {"rate", "rate"}, {"cease", "ceas"},
    {"controll", "control"}, {"roll", "roll"}, {"owing", "owe"}, {"dying", "die"}, {"lying", "lie"},
    {"generalizations", "gener"}, {"oscillators", "oscil"}, {"2000s", "2000"}, {"abc1234ing", "abc1234"},
    {"yyyy", "yyyi"}, {"syzygy", "syzygi"},
};

int main(void) {
    char out[64];
    for (size_t i = 0; i < sizeof kCases / sizeof kCases[0]; i++) {
        size_t n = porter_stem(kCases[i][0], strlen(kCases[i][0]), out);
        CHECK_MSG(n == strlen(out) && strcmp(out, kCases[i][1]) == 0, "%s -> %s, NLTK %s", kCases[i][0], out,
                  kCases[i][1]);
    }
    /* in place, as the ROUGE tokenizer calls it */
    char word[] = "generalizations";
    porter_stem(word, strlen(word), word);
    CHECK(strcmp(word, "gener") == 0);
    return check_report("test_porter");
}
