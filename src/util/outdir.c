#include "util/outdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"
#include "util/fileio.h"

/* The directory a run is writing now, removed if the process exits early
 * (dusk_die → exit). One at a time is all the commands need. */
static OutDir *g_active;

static void remove_active_at_exit(void) {
    if (g_active && g_active->tmp) remove_tree(g_active->tmp);
}

/* "dir/name" → parent "dir", base "name"; "name" → ".", "name". */
static void split_path(const char *path, char **parent, char **base) {
    const char *slash = strrchr(path, '/');
    if (!slash) {
        *parent = xstrdup(".");
        *base = xstrdup(path);
        return;
    }
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    *parent = xmalloc(n + 1);
    memcpy(*parent, path, n);
    (*parent)[n] = '\0';
    *base = xstrdup(slash + 1);
}

static int has_suffix(const char *s, const char *suffix) {
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Files a dusk result directory may hold: what its commands write (and the
 * per-file temporaries of older versions). */
static int is_result_file_name(const char *name) {
    static const char *const kSuffixes[] = {".json", ".jsonl", ".safetensors", ".csv", ".md", ".svg", ".html", ".txt"};
    for (size_t i = 0; i < sizeof kSuffixes / sizeof kSuffixes[0]; i++)
        if (has_suffix(name, kSuffixes[i])) return 1;
    return strstr(name, ".tmp.") != NULL;
}

/* An existing target may be swapped away and deleted only if it holds
 * nothing but result files: never a directory a user keeps other things in. */
static int check_replaceable(const char *target) {
    DIR *d = opendir(target);
    if (!d) return dusk_error("%s: cannot read the existing directory: %s", target, strerror(errno));
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char *p = path_join(target, e->d_name);
        struct stat st;
        if (lstat(p, &st) != 0 || !S_ISREG(st.st_mode) || !is_result_file_name(e->d_name))
            rc = dusk_error("%s exists and holds '%s', which dusk does not write: refusing to replace it (choose another "
                            "output directory, or remove it)", target, e->d_name);
        free(p);
    }
    closedir(d);
    return rc;
}

/* base.tmp-PID or base.old-PID: what a killed run of this target left. */
static int is_leftover(const char *name, const char *base) {
    size_t n = strlen(base);
    if (strncmp(name, base, n) != 0) return 0;
    const char *rest = name + n;
    if (strncmp(rest, ".tmp-", 5) != 0 && strncmp(rest, ".old-", 5) != 0) return 0;
    rest += 5;
    if (!*rest) return 0;
    for (; *rest; rest++)
        if (*rest < '0' || *rest > '9') return 0;
    return 1;
}

/* Under the lock, every leftover is from a run that no longer writes. */
static void remove_leftovers(const char *parent, const char *base) {
    DIR *d = opendir(parent);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!is_leftover(e->d_name, base)) continue;
        char *p = path_join(parent, e->d_name);
        if (remove_tree(p) == 0) fprintf(stderr, "dusk: removed %s, left by an interrupted run\n", p);
        free(p);
    }
    closedir(d);
}

static int take_lock(const char *parent, const char *base, const char *target, int *fd_out) {
    char *path = str_printf("%s/.%s.lock", parent, base);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    int rc = 0;
    if (fd < 0) rc = dusk_error("%s: cannot create the lock file: %s", path, strerror(errno));
    else if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        rc = errno == EWOULDBLOCK ? dusk_error("%s: another dusk run is writing it now (%s is locked)", target, path)
                                  : dusk_error("%s: cannot lock: %s", path, strerror(errno));
        close(fd);
    }
    free(path);
    if (rc == 0) *fd_out = fd;
    return rc;
}

static char *normalized_target(const char *target) {
    char *t = xstrdup(target);
    size_t n = strlen(t);
    while (n > 1 && t[n - 1] == '/') t[--n] = '\0';
    const char *base = strrchr(t, '/') ? strrchr(t, '/') + 1 : t;
    if (!*base || !strcmp(base, ".") || !strcmp(base, "..")) {
        dusk_error("'%s' cannot be an output directory: name a new or result directory", target);
        free(t);
        return NULL;
    }
    return t;
}

int outdir_begin(OutDir *od, const char *target) {
    memset(od, 0, sizeof *od);
    od->lock_fd = -1;
    char *t = normalized_target(target);
    if (!t) return -1;
    char *parent, *base;
    split_path(t, &parent, &base);
    struct stat st;
    int rc = make_dirs(parent);
    if (rc == 0 && stat(t, &st) == 0) {
        if (!S_ISDIR(st.st_mode)) rc = dusk_error("%s exists and is not a directory", t);
        else rc = check_replaceable(t);
    }
    if (rc == 0) rc = take_lock(parent, base, t, &od->lock_fd);
    if (rc == 0) {
        remove_leftovers(parent, base);
        od->tmp = str_printf("%s.tmp-%ld", t, (long)getpid());
        if (mkdir(od->tmp, 0777) != 0) {
            rc = dusk_error("%s: cannot create: %s", od->tmp, strerror(errno));
            free(od->tmp), od->tmp = NULL;
            close(od->lock_fd), od->lock_fd = -1;
        }
    }
    free(parent), free(base);
    if (rc) {
        free(t);
        return -1;
    }
    od->target = t;
    static int registered;
    if (!registered) registered = atexit(remove_active_at_exit) == 0;
    g_active = od;
    return 0;
}

char *outdir_file(const OutDir *od, const char *name) { return path_join(od->tmp, name); }

static int fsync_path(const char *path, int flags) {
    int fd = open(path, flags | O_CLOEXEC);
    if (fd < 0) return dusk_error("%s: cannot open to sync: %s", path, strerror(errno));
    int rc = fsync(fd) == 0 ? 0 : dusk_error("%s: fsync failed: %s", path, strerror(errno));
    close(fd);
    return rc;
}

/* The files first, then the directory that names them. */
static int fsync_tree(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return dusk_error("%s: cannot read: %s", dir, strerror(errno));
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2]))) continue;
        char *p = path_join(dir, e->d_name);
        rc = fsync_path(p, O_RDONLY);
        free(p);
    }
    closedir(d);
    return rc ? rc : fsync_path(dir, O_RDONLY | O_DIRECTORY);
}

/* Put tmp at target; afterwards tmp names the earlier result, if any. */
static int swap_into_place(const char *tmp, const char *target) {
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, target, RENAME_EXCHANGE) == 0) return 0;
    if (errno == ENOENT) {
        if (rename(tmp, target) == 0) return 0;
        return dusk_error("%s: cannot rename %s into place: %s", target, tmp, strerror(errno));
    }
    if (errno != EINVAL && errno != ENOSYS)
        return dusk_error("%s: cannot swap in the new result: %s", target, strerror(errno));
    /* A file system without RENAME_EXCHANGE: two renames; a kill between
     * them leaves the target absent and the earlier result at TARGET.old-PID. */
    char *old = str_printf("%s.old-%ld", target, (long)getpid());
    int rc = 0;
    if (rename(target, old) != 0) rc = dusk_error("%s: cannot move the earlier result aside: %s", target, strerror(errno));
    else if (rename(tmp, target) != 0) {
        rc = dusk_error("%s: cannot rename %s into place: %s", target, tmp, strerror(errno));
        rename(old, target);
    } else if (rename(old, tmp) != 0) {
        remove_tree(old);
    }
    free(old);
    return rc;
}

static void release(OutDir *od) {
    if (od->lock_fd >= 0) close(od->lock_fd);
    if (g_active == od) g_active = NULL;
    free(od->target), free(od->tmp);
    memset(od, 0, sizeof *od);
    od->lock_fd = -1;
}

int outdir_commit(OutDir *od) {
    char *parent, *base;
    split_path(od->target, &parent, &base);
    int rc = fsync_tree(od->tmp);
    if (rc == 0) rc = swap_into_place(od->tmp, od->target);
    if (rc == 0) {
        struct stat st;
        if (lstat(od->tmp, &st) == 0) remove_tree(od->tmp); /* the earlier result */
        fsync_path(parent, O_RDONLY | O_DIRECTORY);
    } else {
        remove_tree(od->tmp);
    }
    free(parent), free(base);
    release(od);
    return rc;
}

void outdir_abort(OutDir *od) {
    if (od->tmp) remove_tree(od->tmp);
    release(od);
}
