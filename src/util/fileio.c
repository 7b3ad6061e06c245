#define _POSIX_C_SOURCE 200809L
#include "util/fileio.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"

char *read_file_all(const char *path, size_t *len) {
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        dusk_error("%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = xmalloc(cap + 1);
    for (;;) {
        size_t got = fread(buf + n, 1, cap - n, fp);
        n += got;
        if (n < cap) break;
        cap *= 2;
        buf = xrealloc(buf, cap + 1);
    }
    int failed = ferror(fp);
    fclose(fp);
    if (failed) {
        free(buf);
        dusk_error("%s: read error", path);
        return NULL;
    }
    buf[n] = '\0';
    if (len) *len = n;
    return buf;
}

int atomic_open(AtomicFile *af, const char *path) {
    memset(af, 0, sizeof *af);
    size_t n = strlen(path);
    af->final_path = xstrdup(path);
    af->tmp_path = xmalloc(n + 32);
    snprintf(af->tmp_path, n + 32, "%s.tmp.%ld", path, (long)getpid());
    af->fp = fopen(af->tmp_path, "wb");
    if (!af->fp) {
        int e = errno;
        free(af->final_path);
        free(af->tmp_path);
        af->final_path = af->tmp_path = NULL;
        return dusk_error("%s: cannot create: %s", path, strerror(e));
    }
    return 0;
}

int atomic_commit(AtomicFile *af) {
    int bad = ferror(af->fp) != 0;
    if (fflush(af->fp) != 0) bad = 1;
    if (!bad && fsync(fileno(af->fp)) != 0) bad = 1;
    if (fclose(af->fp) != 0) bad = 1;
    af->fp = NULL;
    if (bad || rename(af->tmp_path, af->final_path) != 0) {
        int e = errno;
        unlink(af->tmp_path);
        dusk_error("%s: write failed: %s", af->final_path, strerror(e));
        free(af->final_path);
        free(af->tmp_path);
        return -1;
    }
    free(af->final_path);
    free(af->tmp_path);
    return 0;
}

void atomic_abort(AtomicFile *af) {
    if (af->fp) fclose(af->fp);
    if (af->tmp_path) unlink(af->tmp_path);
    free(af->final_path);
    free(af->tmp_path);
    memset(af, 0, sizeof *af);
}

int write_file_atomic(const char *path, const void *data, size_t len) {
    AtomicFile af;
    if (atomic_open(&af, path) != 0) return -1;
    if (len && fwrite(data, 1, len, af.fp) != len) {
        atomic_abort(&af);
        return dusk_error("%s: short write", path);
    }
    return atomic_commit(&af);
}

int is_directory(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int make_dirs(const char *path) {
    char *p = xstrdup(path);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/') continue;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            int e = errno;
            dusk_error("%s: cannot create directory: %s", p, strerror(e));
            free(p);
            return -1;
        }
        *s = '/';
    }
    if (mkdir(p, 0777) != 0 && errno != EEXIST) {
        int e = errno;
        dusk_error("%s: cannot create directory: %s", p, strerror(e));
        free(p);
        return -1;
    }
    free(p);
    if (!is_directory(path)) return dusk_error("%s: not a directory", path);
    return 0;
}
