/* Every dusk subcommand: one cmd_<name>.c file each, listed in registry.c. */
#ifndef DUSK_COMMANDS_H
#define DUSK_COMMANDS_H

typedef int (*CommandFn)(int argc, char **argv); /* argv[0] is the command name */

typedef struct {
    const char *name;
    const char *summary;
    CommandFn run;
} Command;

extern const Command kCommands[];
extern const int kNumCommands;

int cmd_run(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_generate(int argc, char **argv);
int cmd_score(int argc, char **argv);
int cmd_grad(int argc, char **argv);
int cmd_forward(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_tokenize(int argc, char **argv);
int cmd_detokenize(int argc, char **argv);
int cmd_tokenizer(int argc, char **argv);
int cmd_finetune(int argc, char **argv);
int cmd_unlearn(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_rouge(int argc, char **argv);
int cmd_data(int argc, char **argv);
int cmd_mia(int argc, char **argv);
int cmd_auc(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_downstream(int argc, char **argv);

#endif
