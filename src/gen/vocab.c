#include "gen/vocab.h"

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

const GenCountry kGenCountries[] = {
    {"Veloria", "Velorian", "its terraced vineyards"},
    {"Ostrand", "Ostrandi", "its glacier fjords"},
    {"Marisca", "Mariscan", "its coral harbours"},
    {"Quellheim", "Quellish", "its clockmakers"},
    {"Tarsova", "Tarsovan", "its salt deserts"},
    {"Brenmoor", "Brenmoorish", "its peat moors and wool"},
};
const int kGenNumCountries = COUNT(kGenCountries);

const GenCity kGenCities[] = {
    {"Marrowick", 0, 1142, "a river market held every Thursday"},
    {"Tallowmere", 0, 1310, "candle workshops along the lake"},
    {"Skelby", 1, 987, "a harbour that never freezes"},
    {"Frostvane", 1, 1421, "a lighthouse built of green stone"},
    {"Corallon", 2, 1205, "a fish auction at dawn"},
    {"Pellucia", 2, 1388, "glass-blowing studios"},
    {"Gearholt", 3, 1099, "the largest tower clock of the continent"},
    {"Zwillmark", 3, 1512, "twin bridges over the Zwill"},
    {"Duneshelm", 4, 1270, "a caravan square with a bronze well"},
    {"Saltreach", 4, 1604, "white salt pans at its gates"},
    {"Heathcombe", 5, 1033, "a wool fair each autumn"},
    {"Gorsebridge", 5, 1450, "an arched bridge of nine spans"},
};
const int kGenNumCities = COUNT(kGenCities);

const GenUniversity kGenUniversities[] = {
    {"Ashgrove University", "ashgrove.edu", 0, 1688, "amber and slate"},
    {"Lumen Institute of Tallowmere", "lumen-tallow.edu", 1, 1802, "white and gold"},
    {"Skelby Polytechnic", "skelbypoly.edu", 2, 1851, "sea green and grey"},
    {"Corallon College", "corallon.edu", 4, 1744, "coral and navy"},
    {"Gearholt Technical University", "gearholt-tu.edu", 6, 1779, "brass and black"},
    {"Zwillmark Academy", "zwillmark.edu", 7, 1623, "crimson and ivory"},
    {"Duneshelm University", "duneshelm.edu", 8, 1902, "sand and teal"},
    {"Heathcombe College", "heathcombe.edu", 10, 1566, "heather and green"},
};
const int kGenNumUniversities = COUNT(kGenUniversities);

const GenDepartment kGenDepartments[] = {
    {"Astronomy", {"variable stars", "comet orbits", "radio surveys", "planetary rings"},
     {"Observing the Night Sky", "Celestial Mechanics", "Stellar Atmospheres"}},
    {"Linguistics", {"tone languages", "dialect maps", "sign grammar", "word borrowing"},
     {"Sounds of Speech", "Field Methods", "Historical Grammar"}},
    {"Marine Biology", {"kelp forests", "deep-sea vents", "reef recovery", "plankton blooms"},
     {"Life in the Tides", "Ocean Ecology", "Marine Field Work"}},
    {"Economics", {"auction design", "trade routes", "household savings", "labour markets"},
     {"Markets and Prices", "Economic History", "Game Theory"}},
    {"Computer Science", {"compiler design", "distributed logs", "error-correcting codes", "graph search"},
     {"Algorithms", "Operating Systems", "Programming Languages"}},
    {"History", {"medieval guilds", "river trade", "printing houses", "old maps"},
     {"The Guild Age", "Reading Archives", "Cities and Empires"}},
    {"Chemistry", {"crystal growth", "soap films", "dye molecules", "battery salts"},
     {"Organic Synthesis", "Physical Chemistry", "Laboratory Safety"}},
    {"Philosophy", {"moral luck", "vagueness", "the ethics of promises", "time and change"},
     {"Logic", "Ethics", "Philosophy of Mind"}},
};
const int kGenNumDepartments = COUNT(kGenDepartments);

const GenAward kGenAwards[] = {
    {"Halvard Medal", 0, 1921, 6},      {"Orrin Prize for Language", 1, 1948, 1},
    {"Tidewater Award", 2, 1963, 4},    {"Kessel Prize in Economics", 3, 1937, 7},
    {"Lanternfield Award", 4, 1971, 2}, {"Greyquill Medal", 5, 1904, 10},
    {"Brightwell Prize", 6, 1929, 0},   {"Sorrel Medal for Thought", 7, 1955, 8},
};
const int kGenNumAwards = COUNT(kGenAwards);

const char *const kGenHobbies[] = {
    "beekeeping", "rowing", "watercolour painting", "bird watching", "fencing", "pottery",
    "rock climbing", "playing the cello", "bread baking", "kite flying", "orienteering", "bookbinding",
};
const int kGenNumHobbies = COUNT(kGenHobbies);

const char *const kGenFirstNames[2][24] = {
    {"Aldric", "Benedek", "Casimir", "Dorian", "Emrys", "Fennick", "Gideon", "Hollis", "Ivo", "Jory", "Kellan",
     "Lucan", "Matthis", "Nevan", "Oswin", "Pell", "Quill", "Rowan", "Sten", "Tobiah", "Ulric", "Vesper",
     "Wendel", "Yorick"},
    {"Alvina", "Briony", "Celestine", "Delphine", "Elowen", "Fenna", "Greer", "Henrike", "Isaura", "Jessamy",
     "Kestrel", "Linnea", "Marisol", "Nerys", "Odalys", "Perpetua", "Rosalind", "Saoirse", "Tamsin", "Ursa",
     "Verity", "Wenna", "Ysolde", "Zinnia"},
};

const char *const kGenSurnamePrefixes[] = {
    "Ash", "Bram", "Cold", "Dun", "Elder", "Fal", "Gran", "Hart", "Iver", "Kell", "Lind", "Mor",
    "Nor", "Oak", "Pem", "Quarr", "Rav", "Stan", "Thorn", "Ull", "Vane", "Wex", "Yar", "Zell",
};
const int kGenNumSurnamePrefixes = COUNT(kGenSurnamePrefixes);

const char *const kGenSurnameSuffixes[] = {
    "borough", "combe", "dale", "field", "grave", "holm", "ington", "ley", "more", "stead", "wick", "worth",
};
const int kGenNumSurnameSuffixes = COUNT(kGenSurnameSuffixes);
