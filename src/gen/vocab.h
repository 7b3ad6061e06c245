/* The invented world of `dusk gen`: countries, cities, universities, awards,
 * departments, hobbies and the pieces names are made of. Everything here was
 * made up for dusk; none of it comes from the DUSK texts. */
#ifndef DUSK_GEN_VOCAB_H
#define DUSK_GEN_VOCAB_H

typedef struct {
    const char *name, *nationality;
    const char *capital_feature; /* what the country is known for */
} GenCountry;

typedef struct {
    const char *name;
    int country; /* index into kGenCountries */
    int founded;
    const char *known_for;
} GenCity;

typedef struct {
    const char *name, *domain;
    int city; /* index into kGenCities */
    int founded;
    const char *colors;
} GenUniversity;

typedef struct {
    const char *name;
    int department; /* index into kGenDepartments: the field it honours */
    int established;
    int city; /* where it is presented */
} GenAward;

typedef struct {
    const char *name;
    const char *topics[4]; /* research interests */
    const char *courses[3];
} GenDepartment;

extern const GenCountry kGenCountries[];
extern const int kGenNumCountries;
extern const GenCity kGenCities[];
extern const int kGenNumCities;
extern const GenUniversity kGenUniversities[];
extern const int kGenNumUniversities;
extern const GenAward kGenAwards[];
extern const int kGenNumAwards;
extern const GenDepartment kGenDepartments[];
extern const int kGenNumDepartments;
extern const char *const kGenHobbies[];
extern const int kGenNumHobbies;
/* First names by gender (0: he, 1: she); surnames are a prefix + a suffix. */
extern const char *const kGenFirstNames[2][24];
extern const char *const kGenSurnamePrefixes[];
extern const int kGenNumSurnamePrefixes;
extern const char *const kGenSurnameSuffixes[];
extern const int kGenNumSurnameSuffixes;

#endif
