/* Whole-file reading and atomic writing. */
#ifndef DUSK_FILEIO_H
#define DUSK_FILEIO_H

#include <stddef.h>
#include <stdio.h>

/* Files read whole are regular files of at most this many bytes. */
#define READ_FILE_MAX (4ULL << 30)

/* Read a whole regular file into a NUL-terminated buffer (the NUL is not
 * counted in *len). A FIFO, device or directory is refused at once (never
 * waited on), as is a file over READ_FILE_MAX. Returns NULL and records an
 * error naming the file on failure. */
char *read_file_all(const char *path, size_t *len);
/* The same for standard input (which may be a pipe). */
char *read_stdin_all(size_t *len);
/* open(2) for reading a regular file of at most max_bytes (0: any size),
 * refusing FIFOs, devices and directories without blocking; -1 on error. */
int open_regular_file(const char *path, unsigned long long max_bytes);

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

/* Copy the regular file src to dst (written atomically). 0, or -1 with a
 * message naming the file. */
int copy_file_atomic(const char *src, const char *dst);

/* "dir/name", newly allocated. */
char *path_join(const char *dir, const char *name);

/* mkdir -p; returns 0 if the directory exists afterwards. */
int make_dirs(const char *path);

/* 1 if path is an existing directory. */
int is_directory(const char *path);

/* rm -r that never follows a symbolic link. 0, or -1 with errno. */
int remove_tree(const char *path);

#endif
