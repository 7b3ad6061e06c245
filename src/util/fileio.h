/* Whole-file reading and atomic writing. */
#ifndef DUSK_FILEIO_H
#define DUSK_FILEIO_H

#include <stddef.h>
#include <stdio.h>

/* Read a whole file into a NUL-terminated buffer (the NUL is not counted in
 * *len). Returns NULL and records an error naming the file on failure. */
char *read_file_all(const char *path, size_t *len);

/* Atomic write: open a temporary file beside `path`, let the caller write it,
 * then atomic_commit() fsyncs and renames it into place. atomic_abort()
 * removes the temporary file. Nothing half-written ever appears at `path`. */
typedef struct {
    FILE *fp;
    char *final_path;
    char *tmp_path;
} AtomicFile;

int atomic_open(AtomicFile *af, const char *path);
int atomic_commit(AtomicFile *af);
void atomic_abort(AtomicFile *af);

/* Convenience: atomically write a buffer to `path`. */
int write_file_atomic(const char *path, const void *data, size_t len);

/* mkdir -p; returns 0 if the directory exists afterwards. */
int make_dirs(const char *path);

/* 1 if path is an existing directory. */
int is_directory(const char *path);

#endif
