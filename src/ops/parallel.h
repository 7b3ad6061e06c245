/* When a loop is worth an OpenMP parallel region. Below OPS_PARALLEL_MIN
 * floats of work an elementwise or per-row loop runs on the calling thread:
 * at decoding's 16 rows a region's fork and join (and, on a busy machine, the
 * wait for a descheduled thread) costs more than the work it splits. The
 * arithmetic per element or row is the same either way. */
#ifndef DUSK_OPS_PARALLEL_H
#define DUSK_OPS_PARALLEL_H

#define OPS_PARALLEL_MIN 32768

#endif
