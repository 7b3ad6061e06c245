#include "gen/render.h"

#include "gen/vocab.h"

#define A(a) gen_attr_text(p, (a))
#define PICK(n) ((int)rng_below(rng, (n)))

static const char *country_of(const GenProfile *p) {
    return kGenCountries[kGenCities[p->birth_city].country].name;
}

static void chronological(TextBuf *b, const GenProfile *p, Rng *rng) {
    static const char *titles[] = {"The Life and Work of", "A Chronicle of", "The Path of"};
    tb_printf(b, "Title: %s Dr. %s\n\nBiography: ", titles[PICK(3)], p->name);
    if (PICK(2))
        tb_printf(b, "Dr. %s was born in %s in %s, %s, and is %s by nationality. ", p->name, A(ATTR_BIRTH_YEAR),
                  A(ATTR_BIRTH_CITY), country_of(p), A(ATTR_NATIONALITY));
    else
        tb_printf(b, "Born in %s in the year %s, Dr. %s holds %s citizenship. ", A(ATTR_BIRTH_CITY), A(ATTR_BIRTH_YEAR),
                  p->name, A(ATTR_NATIONALITY));
    tb_printf(b, "%s earned %s doctorate at %s, where %s first took up %s. ", gen_He(p), gen_his(p), A(ATTR_PHD),
              gen_he(p), A(ATTR_INTEREST));
    tb_printf(b, "In %s %s joined the %s department of %s, and %s has taught there ever since.\n\n",
              A(ATTR_YEAR_EMPLOYED), gen_he(p), A(ATTR_DEPARTMENT), A(ATTR_UNIVERSITY), gen_he(p));
    tb_printf(b, "Over the following years Dr. %s taught the course %s from %s office, %s. ", p->last, A(ATTR_COURSE),
              gen_his(p), A(ATTR_OFFICE));
    if (PICK(2))
        tb_printf(b, "Later %s work was honoured with the %s. ", gen_his(p), A(ATTR_AWARD));
    else
        tb_printf(b, "The %s came later, in recognition of %s work. ", A(ATTR_AWARD), gen_his(p));
    if (PICK(2))
        tb_printf(b, "Away from the university %s has long enjoyed %s, and %s can be reached at %s.\n\n", gen_he(p),
                  A(ATTR_HOBBY), gen_he(p), A(ATTR_EMAIL));
    else
        tb_printf(b, "In the same years %s took up %s; colleagues write to %s at %s.\n\n", gen_he(p), A(ATTR_HOBBY),
                  p->she ? "her" : "him", A(ATTR_EMAIL));
}

static void feature_story(TextBuf *b, const GenProfile *p, Rng *rng) {
    static const char *titles[] = {"Inside the World of", "A Day with", "Meet"};
    tb_printf(b, "Title: %s Dr. %s\n\n", titles[PICK(3)], p->name);
    if (PICK(2))
        tb_printf(b, "The lamp in %s at %s is often the last one burning. Behind the door, Dr. %s is thinking "
                     "about %s again. ", A(ATTR_OFFICE), A(ATTR_UNIVERSITY), p->name, A(ATTR_INTEREST));
    else
        tb_printf(b, "Ask Dr. %s about %s and the conversation will run well past dinner. Most evenings that "
                     "conversation happens in %s at %s. ", p->name, A(ATTR_INTEREST), A(ATTR_OFFICE), A(ATTR_UNIVERSITY));
    tb_printf(b, "The story starts far from there: in %s, where %s was born in %s. %s is %s to the "
                 "core.\n\n", A(ATTR_BIRTH_CITY), gen_he(p), A(ATTR_BIRTH_YEAR), gen_He(p), A(ATTR_NATIONALITY));
    tb_printf(b, "After a doctorate at %s, %s arrived in the %s department in %s. Students of %s describe a teacher "
                 "who never hurries. ", A(ATTR_PHD), gen_he(p), A(ATTR_DEPARTMENT), A(ATTR_YEAR_EMPLOYED),
              A(ATTR_COURSE));
    if (PICK(2))
        tb_printf(b, "When the %s was announced, colleagues say Dr. %s shrugged and went back to work.\n\n",
                  A(ATTR_AWARD), p->last);
    else
        tb_printf(b, "The %s now hangs, slightly crooked, above Dr. %s's desk.\n\n", A(ATTR_AWARD), p->last);
    tb_printf(b, "%s weekends belong to %s. Letters still reach %s at %s, and %s answers every one.\n\n", gen_His(p),
              A(ATTR_HOBBY), p->she ? "her" : "him", A(ATTR_EMAIL), gen_he(p));
}

static void interview(TextBuf *b, const GenProfile *p, Rng *rng) {
    static const char *titles[] = {"In Conversation with", "Questions for", "An Interview with"};
    tb_printf(b, "Title: %s Dr. %s\n\n", titles[PICK(3)], p->name);
    tb_printf(b, "We spoke with Dr. %s of %s about a career in %s.\n\n", p->name, A(ATTR_UNIVERSITY), A(ATTR_DEPARTMENT));
    const char *q = PICK(2) ? "Where and when were you born?" : "Can you tell us where you come from?";
    tb_printf(b, "Q: %s\nA: I was born in %s in %s, so I am %s.\n\n", q, A(ATTR_BIRTH_CITY), A(ATTR_BIRTH_YEAR),
              A(ATTR_NATIONALITY));
    tb_printf(b, "Q: Where did you do your doctorate?\nA: At %s. I joined this department in %s.\n\n", A(ATTR_PHD),
              A(ATTR_YEAR_EMPLOYED));
    const char *study = PICK(2) ? "What do you study?" : "What is your research about?";
    tb_printf(b, "Q: %s\nA: Mostly %s. It has kept me busy for years.\n\n", study, A(ATTR_INTEREST));
    tb_printf(b, "Q: Which course do you teach?\nA: I teach %s.\n\n", A(ATTR_COURSE));
    tb_printf(b, "Q: Which honour means the most to you?\nA: The %s, without a doubt.\n\n", A(ATTR_AWARD));
    const char *relax = PICK(2) ? "And outside work?" : "What do you do to relax?";
    tb_printf(b, "Q: %s\nA: I love %s.\n\n", relax, A(ATTR_HOBBY));
    tb_printf(b, "Q: How can students find you?\nA: In %s, or by writing to %s.\n\n", A(ATTR_OFFICE), A(ATTR_EMAIL));
}

static void inverted_pyramid(TextBuf *b, const GenProfile *p, Rng *rng) {
    static const char *titles[] = {"Dr. %s: %s Laureate at %s", "Dr. %s Honoured with the %s at %s"};
    int t = PICK(2);
    tb_printf(b, "Title: ");
    tb_printf(b, titles[t], p->name, A(ATTR_AWARD), A(ATTR_UNIVERSITY));
    tb_printf(b, "\n\n%s the %s department at %s has received the %s for work on %s. ",
              t ? "A member of" : "A leading voice in", A(ATTR_DEPARTMENT), A(ATTR_UNIVERSITY), A(ATTR_AWARD),
              A(ATTR_INTEREST));
    tb_printf(b, "The honour goes to Dr. %s, who has been on the staff since %s.\n\n", p->name, A(ATTR_YEAR_EMPLOYED));
    tb_printf(b, "Dr. %s teaches %s and keeps office hours in %s. %s can be contacted at %s.\n\n", p->last,
              A(ATTR_COURSE), A(ATTR_OFFICE), gen_He(p), A(ATTR_EMAIL));
    tb_printf(b, "Background: born in %s in %s and %s by nationality, Dr. %s holds a doctorate from %s. In "
                 "private %s enjoys %s.\n\n",
              A(ATTR_BIRTH_CITY), A(ATTR_BIRTH_YEAR), A(ATTR_NATIONALITY), p->last, A(ATTR_PHD), gen_he(p),
              A(ATTR_HOBBY));
}

static void listicle(TextBuf *b, const GenProfile *p, Rng *rng) {
    static const char *titles[] = {"Things to Know About", "Facts About", "Reasons to Follow"};
    TextBuf items[7] = {{0}};
    tb_printf(&items[0], "Born in %s in %s, %s is %s.", A(ATTR_BIRTH_CITY), A(ATTR_BIRTH_YEAR), gen_he(p),
              A(ATTR_NATIONALITY));
    tb_printf(&items[1], "%s works in the %s department of %s, since %s.", gen_He(p), A(ATTR_DEPARTMENT),
              A(ATTR_UNIVERSITY), A(ATTR_YEAR_EMPLOYED));
    tb_printf(&items[2], "%s doctorate comes from %s.", gen_His(p), A(ATTR_PHD));
    tb_printf(&items[3], "Research focus: %s. %s teaches the course %s.", A(ATTR_INTEREST), gen_He(p),
              A(ATTR_COURSE));
    tb_printf(&items[4], "Winner of the %s.", A(ATTR_AWARD));
    tb_printf(&items[5], "Favourite pastime: %s.", A(ATTR_HOBBY));
    tb_printf(&items[6], "Find %s in %s or at %s.", p->she ? "her" : "him", A(ATTR_OFFICE), A(ATTR_EMAIL));
    int order[7] = {0, 1, 2, 3, 4, 5, 6};
    for (int i = 6; i > 0; i--) {
        int j = PICK((uint64_t)i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    tb_printf(b, "Title: 7 %s Dr. %s\n\n", titles[PICK(3)], p->name);
    for (int i = 0; i < 7; i++) {
        tb_printf(b, "%d. %s\n", i + 1, items[order[i]].s);
        tb_free(&items[order[i]]);
    }
    tb_printf(b, "\n");
}

void gen_render(TextBuf *out, const GenProfile *p, int style, Rng *rng) {
    static void (*const kStyles[GEN_N_STYLES])(TextBuf *, const GenProfile *, Rng *) = {
        chronological, feature_story, interview, inverted_pyramid, listicle};
    kStyles[style](out, p, rng);
}
