/* Per-row records of the sweep: ROW/wall.json (each finished stage's wall
 * time, kept across resumes) and ROW/stage.json (the row's outcome, the
 * mark of a finished row; the report reads it). */
#ifndef DUSK_RUNNER_STAGE_RECORD_H
#define DUSK_RUNNER_STAGE_RECORD_H

/* Record that stage `stage` of the row in dir took seconds. */
int stage_record_wall(const char *dir, const char *stage, double seconds);
/* Write dir/stage.json: status ok (error NULL) or failed (error, and the
 * stage that failed), with the stage times of dir/wall.json. */
int stage_record_finish(const char *dir, const char *error, const char *failed_stage);
/* 1 when dir/stage.json says ok. */
int stage_record_ok(const char *dir);

#endif
