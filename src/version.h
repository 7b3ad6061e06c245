/* The dusk version, written beside every result. */
#ifndef DUSK_VERSION_H
#define DUSK_VERSION_H
#define DUSK_VERSION "0.1.0"
#endif
