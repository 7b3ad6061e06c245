/* dusk downstream --model PATH --tasks a,b,... --out DIR: lm-eval-compatible
 * downstream tasks (DUSK's DC metric). Every task file is read before the
 * model is loaded; OUTDIR (results.json, samples_<task>.jsonl) appears whole
 * or not at all. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "eval/tasks/downstream.h"
#include "io/json_text.h"
#include "pipeline/common.h"
#include "pipeline/downstream_outputs.h"
#include "runner/run_record.h"
#include "util/err.h"
#include "util/fileio.h"

static void print_summary(const TaskList *tl, const TaskScore *scores, const DownstreamOptions *opt) {
    for (int t = 0; t < tl->n_tasks; t++) {
        const TaskScore *s = &scores[t];
        fprintf(stderr, "%-40s n=%-5d", tl->tasks[t].name, s->n_docs);
        for (int k = 0; k < s->n_keys; k++) {
            double sum = 0.0;
            for (int i = 0; i < s->n_docs; i++) sum += s->docs[i].values[k];
            fprintf(stderr, "  %s,%s=%.4f", s->keys[k].metric, s->keys[k].filter, s->n_docs ? sum / s->n_docs : 0.0);
        }
        fputc('\n', stderr);
    }
    fprintf(stderr, "loglikelihood: %d requests in %.2f s; generate_until: %d requests in %.2f s\n", opt->n_ll_requests,
            opt->ll_seconds, opt->n_gen_requests, opt->gen_seconds);
}

int cmd_downstream(int argc, char **argv) {
    ArgSpec o[] = {
        {"model", ARG_VALUE, "HF directory or llama2.c .bin", 0, 0},
        {"tasks", ARG_VALUE, "comma-separated: arc_challenge, truthfulqa_mc1, truthfulqa_mc2, mmlu, mmlu_<subject>, gsm8k, triviaqa, bbq, or FILE.jsonl", 0, 0},
        {"task-dir", ARG_VALUE, "the task data (default: $DUSK_SHARED/downstream, else ../shared/downstream)", 0, 0},
        {"out", ARG_VALUE, "output directory (results.json, samples_<task>.jsonl)", 0, 0},
        {"limit", ARG_VALUE, "documents per task (per subject for mmlu)", 0, 0},
        {"num-fewshot", ARG_VALUE, "few-shot examples (mmlu, gsm8k; default: the task's)", 0, 0},
        {"batch", ARG_VALUE, "sequences per forward pass / prompts per generation batch (default 8)", 0, 0},
        {"tokenizer", ARG_VALUE, "tokenizer.json (default: the model directory's)", 0, 0},
        {"no-bos", ARG_FLAG, "encode without special tokens (lm-eval's add_bos_token=False for causal models)", 0, 0},
        {"log-ids", ARG_FLAG, "write every request's token ids into the samples", 0, 0},
        CLI_COMPUTE_ARG_SPECS,
        {"help", ARG_FLAG, "show this help", 0, 0},
    };
    int n = sizeof o / sizeof o[0];
    if (args_parse(o, n, argc, argv, 1, NULL, NULL) != 0) dusk_die("downstream: %s", dusk_last_error());
    if (args_flag(o, n, "help")) {
        args_usage("downstream", "--model PATH --tasks T1,T2,... --out DIR [--task-dir DIR] [--limit N]", o, n);
        return 0;
    }
    const char *model_path = args_required(o, n, "model"), *names = args_required(o, n, "tasks");
    const char *out = args_required(o, n, "out");
    char *task_dir = args_get(o, n, "task-dir")->value ? xstrdup(args_get(o, n, "task-dir")->value) : downstream_default_task_dir();
    TaskOptions to = {task_dir, (int)args_long(o, n, "limit", 0), (int)args_long(o, n, "num-fewshot", -1)};
    DownstreamOptions opt = {0};
    opt.batch = (int)args_long(o, n, "batch", 8);
    opt.add_bos = !args_flag(o, n, "no-bos");
    opt.log_ids = args_flag(o, n, "log-ids");
    if (to.limit < 0) dusk_die("--limit must be positive");
    if (opt.batch < 1) dusk_die("--batch must be at least 1");
    if (args_get(o, n, "num-fewshot")->value && to.num_fewshot < 0) dusk_die("--num-fewshot must be 0 or more");
    cli_set_compute(o, n);
    OutDir od;
    cli_begin_out(&od, out);
    TaskList tl;
    if (tasks_load(&tl, names, &to) != 0) dusk_die("%s", dusk_last_error());
    Model m;
    cli_load_model(&m, model_path);
    Tokenizer *tok = cli_load_tokenizer(args_get(o, n, "tokenizer")->value, model_path);
    cli_check_tokenizer_fits(tok, &m);
    opt.max_len = m.cfg.max_position_embeddings;
    TaskScore *scores = xcalloc((size_t)tl.n_tasks, sizeof(TaskScore));
    if (downstream_run(&m, tok, &tl, &opt, scores) != 0) dusk_die("%s", dusk_last_error());
    cJSON *config = downstream_config(argc + 1, argv - 1, model_path, task_dir, &to, &opt);
    pipeline_record_tokenizer(config, args_get(o, n, "tokenizer")->value, model_path);
    if (downstream_write_outputs(od.tmp, "", &tl, scores, config, &opt, NULL) != 0) dusk_die("%s", dusk_last_error());
    cli_commit_out(&od);
    print_summary(&tl, scores, &opt);
    for (int t = 0; t < tl.n_tasks; t++) task_score_free(&scores[t]);
    free(scores), free(task_dir);
    cJSON_Delete(config);
    tasks_free(&tl);
    tokenizer_free(tok);
    model_free(&m);
    return 0;
}
