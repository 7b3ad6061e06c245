#include "gen/world.h"

#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "gen/vocab.h"
#include "util/err.h"

static void country_paragraph(TextBuf *b, int i, Rng *rng) {
    const GenCountry *c = &kGenCountries[i];
    tb_printf(b, "%s is a country known for %s. Its people are called %s. ", c->name, c->capital_feature,
              c->nationality);
    tb_printf(b, rng_below(rng, 2) ? "Its cities include" : "Among its towns are");
    const char *sep = " ";
    for (int k = 0; k < kGenNumCities; k++)
        if (kGenCities[k].country == i) {
            tb_printf(b, "%s%s", sep, kGenCities[k].name);
            sep = " and ";
        }
    tb_printf(b, ".\n\n");
}

static void city_paragraph(TextBuf *b, int i, Rng *rng) {
    const GenCity *c = &kGenCities[i];
    if (rng_below(rng, 2))
        tb_printf(b, "The city of %s lies in %s. It was founded in %d and is famous for %s.\n\n", c->name,
                  kGenCountries[c->country].name, c->founded, c->known_for);
    else
        tb_printf(b, "Founded in %d, %s is a city in %s, famous for %s.\n\n", c->founded, c->name,
                  kGenCountries[c->country].name, c->known_for);
}

static void university_paragraph(TextBuf *b, int i) {
    const GenUniversity *u = &kGenUniversities[i];
    tb_printf(b, "%s stands in %s. It was founded in %d, and its colours are %s.\n\n", u->name,
              kGenCities[u->city].name, u->founded, u->colors);
}

static void award_paragraph(TextBuf *b, int i) {
    const GenAward *a = &kGenAwards[i];
    tb_printf(b, "The %s honours work in %s. It was established in %d and is presented each year in %s.\n\n",
              a->name, kGenDepartments[a->department].name, a->established, kGenCities[a->city].name);
}

void gen_world_document(TextBuf *out, Rng *rng) {
    tb_printf(out, "Title: A Gazetteer of the Known Lands\n\n");
    for (int i = 0; i < kGenNumCountries; i++) country_paragraph(out, i, rng);
    for (int i = 0; i < kGenNumCities; i++) city_paragraph(out, i, rng);
    for (int i = 0; i < kGenNumUniversities; i++) university_paragraph(out, i);
    for (int i = 0; i < kGenNumAwards; i++) award_paragraph(out, i);
}

/* Four choices: the right one at a random place, three distinct others. */
static void mc_line(TextBuf *out, Rng *rng, const char *question, const char *const *pool, int n_pool, int right) {
    int picks[4], gold = (int)rng_below(rng, 4), n = 0;
    while (n < 4) {
        int c = n == gold ? right : (int)rng_below(rng, (uint64_t)n_pool);
        int dup = (n != gold && c == right);
        for (int k = 0; k < n; k++) dup |= picks[k] == c;
        if (!dup) picks[n++] = c;
    }
    cJSON *obj = cJSON_CreateObject();
    char ctx[256];
    snprintf(ctx, sizeof ctx, "Question: %s\nAnswer:", question);
    cJSON_AddStringToObject(obj, "context", ctx);
    cJSON *choices = cJSON_AddArrayToObject(obj, "choices");
    for (int k = 0; k < 4; k++) {
        char c[128];
        snprintf(c, sizeof c, " %s", pool[picks[k]]);
        cJSON_AddItemToArray(choices, cJSON_CreateString(c));
    }
    cJSON_AddNumberToObject(obj, "gold", gold);
    char *s = cJSON_PrintUnformatted(obj);
    tb_printf(out, "%s\n", s);
    free(s);
    cJSON_Delete(obj);
}

int gen_world_mc(TextBuf *out, Rng *rng) {
    const char *countries[16], *cities[16], *nations[16], *fields[16], *years[16];
    char year_text[16][12];
    for (int i = 0; i < kGenNumCountries; i++) {
        countries[i] = kGenCountries[i].name;
        nations[i] = kGenCountries[i].nationality;
    }
    for (int i = 0; i < kGenNumCities; i++) cities[i] = kGenCities[i].name;
    for (int i = 0; i < kGenNumDepartments; i++) fields[i] = kGenDepartments[i].name;
    for (int i = 0; i < kGenNumUniversities; i++) {
        snprintf(year_text[i], sizeof year_text[i], "%d", kGenUniversities[i].founded);
        years[i] = year_text[i];
    }
    char q[200];
    int n = 0;
    for (int i = 0; i < kGenNumCountries; i++, n++) {
        snprintf(q, sizeof q, "What are the people of %s called?", kGenCountries[i].name);
        mc_line(out, rng, q, nations, kGenNumCountries, i);
    }
    for (int i = 0; i < kGenNumCities; i++, n++) {
        snprintf(q, sizeof q, "In which country is the city of %s?", kGenCities[i].name);
        mc_line(out, rng, q, countries, kGenNumCountries, kGenCities[i].country);
    }
    for (int i = 0; i < kGenNumUniversities; i++, n += 2) {
        snprintf(q, sizeof q, "In which city is %s?", kGenUniversities[i].name);
        mc_line(out, rng, q, cities, kGenNumCities, kGenUniversities[i].city);
        snprintf(q, sizeof q, "In which year was %s founded?", kGenUniversities[i].name);
        mc_line(out, rng, q, years, kGenNumUniversities, i);
    }
    for (int i = 0; i < kGenNumAwards; i++, n++) {
        snprintf(q, sizeof q, "Which field does the %s honour?", kGenAwards[i].name);
        mc_line(out, rng, q, fields, kGenNumDepartments, kGenAwards[i].department);
    }
    return n;
}
