#include "gen/profile.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen/vocab.h"
#include "util/err.h"

void gen_names_init(GenNamePool *p) {
    p->n_free = kGenNumSurnamePrefixes * kGenNumSurnameSuffixes;
    p->used = xcalloc((size_t)p->n_free, 1);
}

void gen_names_free(GenNamePool *p) {
    free(p->used);
    memset(p, 0, sizeof *p);
}

static int pick(Rng *rng, int n) { return (int)rng_below(rng, (uint64_t)n); }

/* The k-th free surname slot, counting from a random start. */
static int draw_surname(GenNamePool *names, Rng *rng) {
    int total = kGenNumSurnamePrefixes * kGenNumSurnameSuffixes;
    int k = pick(rng, names->n_free);
    for (int i = 0; i < total; i++) {
        if (names->used[i]) continue;
        if (k-- == 0) {
            names->used[i] = 1;
            names->n_free--;
            return i;
        }
    }
    return -1;
}

static void fill_identity(GenProfile *p, Rng *rng, int surname) {
    p->she = pick(rng, 2);
    const char *first = kGenFirstNames[p->she][pick(rng, 24)];
    snprintf(p->last, sizeof p->last, "%s%s", kGenSurnamePrefixes[surname / kGenNumSurnameSuffixes],
             kGenSurnameSuffixes[surname % kGenNumSurnameSuffixes]);
    snprintf(p->name, sizeof p->name, "%s %s", first, p->last);
    char lower_last[32];
    size_t i = 0;
    for (; p->last[i] && i + 1 < sizeof lower_last; i++) lower_last[i] = (char)tolower((unsigned char)p->last[i]);
    lower_last[i] = '\0';

    snprintf(p->email, sizeof p->email, "%c.%s@", (char)tolower((unsigned char)first[0]), lower_last);
}

static void fill_career(GenProfile *p, Rng *rng) {
    int born = 1950 + pick(rng, 30);
    snprintf(p->birth_year, sizeof p->birth_year, "%d", born);
    snprintf(p->year_employed, sizeof p->year_employed, "%d", born + 28 + pick(rng, 14));
    p->birth_city = pick(rng, kGenNumCities);
    p->department = pick(rng, kGenNumDepartments);
    p->university = pick(rng, kGenNumUniversities);
    p->phd_university = (p->university + 1 + pick(rng, kGenNumUniversities - 1)) % kGenNumUniversities;
    p->award = p->department; /* each field has its own award (vocab.c) */
    p->interest = pick(rng, 4);
    p->hobby = pick(rng, kGenNumHobbies);
    p->course = pick(rng, 3);
    snprintf(p->office, sizeof p->office, "Room %d", 100 + pick(rng, 400));
    size_t n = strlen(p->email);
    snprintf(p->email + n, sizeof p->email - n, "%s", kGenUniversities[p->university].domain);
}

int gen_profile_draw(GenProfile *out, Rng *rng, GenNamePool *names) {
    memset(out, 0, sizeof *out);
    if (names->n_free == 0) return dusk_error("gen: out of distinct surnames (ask for fewer profiles)");
    int surname = draw_surname(names, rng);
    fill_identity(out, rng, surname);
    fill_career(out, rng);
    return 0;
}

const char *gen_attr_text(const GenProfile *p, GenAttr a) {
    switch (a) {
    case ATTR_BIRTH_YEAR: return p->birth_year;
    case ATTR_BIRTH_CITY: return kGenCities[p->birth_city].name;
    case ATTR_NATIONALITY: return kGenCountries[kGenCities[p->birth_city].country].nationality;
    case ATTR_DEPARTMENT: return kGenDepartments[p->department].name;
    case ATTR_UNIVERSITY: return kGenUniversities[p->university].name;
    case ATTR_YEAR_EMPLOYED: return p->year_employed;
    case ATTR_PHD: return kGenUniversities[p->phd_university].name;
    case ATTR_AWARD: return kGenAwards[p->award].name;
    case ATTR_INTEREST: return kGenDepartments[p->department].topics[p->interest];
    case ATTR_HOBBY: return kGenHobbies[p->hobby];
    case ATTR_EMAIL: return p->email;
    case ATTR_OFFICE: return p->office;
    case ATTR_COURSE: return kGenDepartments[p->department].courses[p->course];
    default: return "";
    }
}

const char *gen_he(const GenProfile *p) { return p->she ? "she" : "he"; }
const char *gen_his(const GenProfile *p) { return p->she ? "her" : "his"; }
const char *gen_He(const GenProfile *p) { return p->she ? "She" : "He"; }
const char *gen_His(const GenProfile *p) { return p->she ? "Her" : "His"; }
