/* A result directory (checkpoint, eval results, ...) written as one
 * transaction: all or nothing at its final name.
 *
 *   OutDir od;
 *   if (outdir_begin(&od, out) != 0) ...   before any work: checks, lock, temp dir
 *   ... write files into outdir_file(&od, "config.json") ...
 *   if (outdir_commit(&od) != 0) ...       fsync, then swap into place
 *
 * Everything is written under TARGET.tmp-PID beside the target. Commit fsyncs
 * the files and the directory, then swaps it with an existing target in one
 * renameat2(RENAME_EXCHANGE) (or renames it when there is none), so a reader
 * — or a kill at any moment — sees either the complete earlier result or the
 * complete new one, never a mix. The earlier result is then deleted.
 *
 * A lock (flock on .TARGET.lock beside the target, kept there) stops two runs
 * writing the same target; whoever holds it removes the TARGET.tmp-* and
 * TARGET.old-* leftovers of killed runs. A run that exits through exit()
 * (dusk_die) removes its own temporary directory.
 *
 * An existing target is replaced only if it looks like a result dusk writes
 * (regular files named *.json, *.jsonl, *.safetensors and the like, no
 * subdirectories): `--out $HOME` is refused, never swapped away and deleted. */
#ifndef DUSK_OUTDIR_H
#define DUSK_OUTDIR_H

typedef struct {
    char *target; /* the directory asked for, without trailing slashes */
    char *tmp;    /* TARGET.tmp-PID: where the files are written */
    int lock_fd;  /* held from begin to commit/abort */
} OutDir;

/* Check the location (the parent exists or can be created; the target is not
 * a file and, if it exists, is replaceable), take the lock, clear leftovers
 * and create the temporary directory. On error nothing is left behind. */
int outdir_begin(OutDir *od, const char *target);
/* The path of `name` inside the temporary directory (caller frees). */
char *outdir_file(const OutDir *od, const char *name);
/* fsync everything, put the directory in place, delete the earlier result,
 * release the lock. On error the target is left as it was. */
int outdir_commit(OutDir *od);
/* Remove the temporary directory and release the lock. */
void outdir_abort(OutDir *od);

#endif
