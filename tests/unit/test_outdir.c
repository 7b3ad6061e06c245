/* OutDir: a result directory appears whole or not at all, replaces only a
 * result directory, is locked against a second writer, and clears what a
 * killed run left. Checked on the file system itself (stat, readdir). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "util/err.h"
#include "util/fileio.h"
#include "util/outdir.h"

static char g_root[256];

static char *path_of(const char *name) {
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", g_root, name);
    return buf[k];
}

static int exists(const char *p) {
    struct stat st;
    return lstat(p, &st) == 0;
}

static char *slurp(const char *p) {
    char *s = read_file_all(p, NULL);
    return s ? s : xstrdup("<missing>");
}

static void write_text(const OutDir *od, const char *name, const char *text) {
    char *p = outdir_file(od, name);
    CHECK(write_file_atomic(p, text, strlen(text)) == 0);
    free(p);
}

/* Entries of g_root whose name starts with prefix. */
static int count_entries(const char *prefix) {
    DIR *d = opendir(g_root);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    closedir(d);
    return n;
}

static void test_new_then_replace(void) {
    OutDir od;
    char *target = path_of("res");
    CHECK(outdir_begin(&od, target) == 0);
    write_text(&od, "a.json", "1");
    write_text(&od, "b.json", "2");
    CHECK(!exists(target)); /* nothing at the final name before commit */
    CHECK(outdir_commit(&od) == 0);
    char *a = slurp(path_of("res/a.json"));
    CHECK(strcmp(a, "1") == 0);
    free(a);
    /* A second result replaces the first whole: b.json is gone. */
    CHECK(outdir_begin(&od, path_of("res/")) == 0);
    write_text(&od, "a.json", "new");
    a = slurp(path_of("res/a.json"));
    CHECK(strcmp(a, "1") == 0); /* the earlier result intact until commit */
    free(a);
    CHECK(outdir_commit(&od) == 0);
    a = slurp(path_of("res/a.json"));
    CHECK(strcmp(a, "new") == 0);
    free(a);
    CHECK(!exists(path_of("res/b.json")));
    CHECK(count_entries("res.tmp-") == 0);
}

static void test_refusals(void) {
    OutDir od;
    /* a file */
    FILE *fp = fopen(path_of("file"), "w");
    fclose(fp);
    CHECK(outdir_begin(&od, path_of("file")) != 0);
    CHECK(strstr(dusk_last_error(), "not a directory") != NULL);
    /* a directory holding something dusk does not write */
    mkdir(path_of("home"), 0777);
    mkdir(path_of("home/sub"), 0777);
    CHECK(outdir_begin(&od, path_of("home")) != 0);
    CHECK(strstr(dusk_last_error(), "'sub'") != NULL);
    CHECK(exists(path_of("home/sub")));
    CHECK(count_entries("home.tmp-") == 0);
    CHECK(outdir_begin(&od, ".") != 0);
    CHECK(outdir_begin(&od, "") != 0);
}

static void test_lock_and_leftovers(void) {
    OutDir a, b;
    CHECK(outdir_begin(&a, path_of("locked")) == 0);
    CHECK(outdir_begin(&b, path_of("locked")) != 0);
    CHECK(strstr(dusk_last_error(), "another dusk run") != NULL);
    CHECK(exists(a.tmp)); /* the refused second writer left the first alone */
    outdir_abort(&a);
    CHECK(count_entries("locked.tmp-") == 0);
    CHECK(!exists(path_of("locked")));
    /* what a killed run leaves: removed by the next writer, others kept */
    mkdir(path_of("left.tmp-999999"), 0777);
    FILE *f = fopen(path_of("left.tmp-999999/x.json"), "w");
    fclose(f);
    mkdir(path_of("left.old-12"), 0777);
    mkdir(path_of("left.tmp-12x"), 0777); /* not a leftover name: kept */
    CHECK(outdir_begin(&a, path_of("left")) == 0);
    CHECK(!exists(path_of("left.tmp-999999")));
    CHECK(!exists(path_of("left.old-12")));
    CHECK(exists(path_of("left.tmp-12x")));
    CHECK(outdir_commit(&a) == 0);
    CHECK(exists(path_of("left")));
}

static void test_parent_created(void) {
    OutDir od;
    CHECK(outdir_begin(&od, path_of("x/y/z")) == 0);
    write_text(&od, "r.json", "{}");
    CHECK(outdir_commit(&od) == 0);
    CHECK(exists(path_of("x/y/z/r.json")));
}

int main(void) {
    snprintf(g_root, sizeof g_root, "/tmp/dusk-test-outdir-%ld", (long)getpid());
    CHECK(mkdir(g_root, 0777) == 0);
    test_new_then_replace();
    test_refusals();
    test_lock_and_leftovers();
    test_parent_created();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_root);
    CHECK(system(cmd) == 0);
    return check_report("outdir");
}
