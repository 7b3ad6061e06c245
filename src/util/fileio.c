#define _POSIX_C_SOURCE 200809L
#include "util/fileio.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"

/* Read fp to its end; name is for messages. */
static char *read_stream(FILE *fp, const char *name, size_t *len) {
    size_t cap = 1 << 16, n = 0;
    char *buf = xmalloc(cap + 1);
    for (;;) {
        size_t got = fread(buf + n, 1, cap - n, fp);
        n += got;
        if (n < cap) break;
        if (cap >= READ_FILE_MAX) {
            free(buf);
            dusk_error("%s: larger than %d GiB: not a file dusk reads whole", name, (int)(READ_FILE_MAX >> 30));
            return NULL;
        }
        cap *= 2;
        buf = xrealloc(buf, cap + 1);
    }
    if (ferror(fp)) {
        int e = errno;
        free(buf);
        dusk_error("%s: read error: %s", name, strerror(e));
        return NULL;
    }
    buf[n] = '\0';
    if (len) *len = n;
    return buf;
}

int open_regular_file(const char *path, unsigned long long max_bytes) {
    /* O_NONBLOCK: opening a FIFO must not wait for a writer. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return dusk_error("%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return dusk_error("%s: not a regular file (a FIFO, device or directory cannot be read as input)", path);
    }
    if (max_bytes && (unsigned long long)st.st_size > max_bytes) {
        close(fd);
        return dusk_error("%s: %lld bytes, more than the %llu this input may have", path, (long long)st.st_size, max_bytes);
    }
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0) fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    return fd;
}

char *read_file_all(const char *path, size_t *len) {
    int fd = open_regular_file(path, READ_FILE_MAX);
    if (fd < 0) return NULL;
    FILE *fp = fdopen(fd, "rb");
    if (!fp) {
        close(fd);
        dusk_error("%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = read_stream(fp, path, len);
    fclose(fp);
    return buf;
}

char *read_stdin_all(size_t *len) { return read_stream(stdin, "stdin", len); }

/* name is base.tmp.PID of a process that no longer exists. */
static int is_dead_temporary(const char *name, const char *base) {
    size_t n = strlen(base);
    if (strncmp(name, base, n) != 0 || strncmp(name + n, ".tmp.", 5) != 0) return 0;
    char *end;
    long pid = strtol(name + n + 5, &end, 10);
    if (end == name + n + 5 || *end || pid <= 0) return 0;
    return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

/* A run killed between atomic_open and atomic_commit leaves path.tmp.PID;
 * the next writer of path removes those of dead processes. */
static void remove_dead_temporaries(const char *path) {
    const char *slash = strrchr(path, '/');
    char *dir = slash ? xstrdup(path) : xstrdup(".");
    if (slash) dir[slash == path ? 1 : slash - path] = '\0';
    const char *base = slash ? slash + 1 : path;
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (!is_dead_temporary(e->d_name, base)) continue;
            char *p = path_join(dir, e->d_name);
            unlink(p);
            free(p);
        }
        closedir(d);
    }
    free(dir);
}

int atomic_open(AtomicFile *af, const char *path) {
    remove_dead_temporaries(path);
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
    /* errno of the first step that failed; an earlier fwrite error is seen
     * again by fflush, which retries the buffered bytes. */
    int e = 0;
    if (fflush(af->fp) != 0 || ferror(af->fp)) e = errno ? errno : EIO;
    if (!e && fsync(fileno(af->fp)) != 0) e = errno;
    if (fclose(af->fp) != 0 && !e) e = errno;
    af->fp = NULL;
    if (!e && rename(af->tmp_path, af->final_path) != 0) e = errno;
    if (e) {
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
        int e = errno;
        atomic_abort(&af);
        return dusk_error("%s: write failed: %s", path, strerror(e));
    }
    return atomic_commit(&af);
}

int copy_file_atomic(const char *src, const char *dst) {
    size_t len;
    char *bytes = read_file_all(src, &len);
    int rc = bytes ? write_file_atomic(dst, bytes, len) : -1;
    free(bytes);
    return rc;
}

char *path_join(const char *dir, const char *name) { return str_printf("%s/%s", dir, name); }

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

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st, (void)ftw;
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

int remove_tree(const char *path) { return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS); }
