#ifndef GANC_TOOLS_COMMANDS_H
#define GANC_TOOLS_COMMANDS_H

/* Subcommands of `ganc`. Each gets argv from its own name on and returns
 * the process exit status; errors are printed by the command. */
int cmd_gradcheck(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_device(int argc, char **argv);
int cmd_synth(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_translate(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_pinch(int argc, char **argv);

#endif
