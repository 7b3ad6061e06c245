/* A fictional professor and how profiles are drawn from the invented world. */
#ifndef DUSK_GEN_PROFILE_H
#define DUSK_GEN_PROFILE_H

#include "util/rng.h"

/* The attributes QA questions are asked about (every renderer states all). */
typedef enum {
    ATTR_BIRTH_YEAR, ATTR_BIRTH_CITY, ATTR_NATIONALITY, ATTR_DEPARTMENT, ATTR_UNIVERSITY, ATTR_YEAR_EMPLOYED,
    ATTR_PHD, ATTR_AWARD, ATTR_INTEREST, ATTR_HOBBY, ATTR_EMAIL, ATTR_OFFICE, ATTR_COURSE, GEN_N_ATTRS
} GenAttr;

typedef struct {
    char name[64];  /* "First Last" */
    char last[32];
    char email[96];
    char office[24];      /* "Room 214" */
    char birth_year[12];  /* as text, so renderers and QA use the same string */
    char year_employed[12];
    int she;              /* pronoun choice */
    int birth_city, department, university, phd_university, award, interest, hobby, course;
} GenProfile;

/* Tracks which surnames are taken so every profile of a corpus has its own. */
typedef struct {
    unsigned char *used; /* prefixes x suffixes */
    int n_free;
} GenNamePool;

void gen_names_init(GenNamePool *p);
void gen_names_free(GenNamePool *p);
/* Draw a profile with a surname not drawn before; -1 when the pool is empty. */
int gen_profile_draw(GenProfile *out, Rng *rng, GenNamePool *names);
/* The exact text of an attribute as every renderer writes it (QA answers). */
const char *gen_attr_text(const GenProfile *p, GenAttr a);
/* Pronouns of the profile: he/she, his/her, him/her. */
const char *gen_he(const GenProfile *p);
const char *gen_his(const GenProfile *p);
const char *gen_He(const GenProfile *p);
const char *gen_His(const GenProfile *p);

#endif
