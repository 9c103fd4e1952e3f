/* SPDX-License-Identifier: BSD-3-Clause */
/* commands.h - one entry point per subcommand, each in its own cmd-*.c. */
#ifndef PCILAYOUT_COMMANDS_H
#define PCILAYOUT_COMMANDS_H

int cmd_show(int argc, char **argv);
int cmd_lint(int argc, char **argv);
int cmd_fmt(int argc, char **argv);
int cmd_fingerprint(int argc, char **argv);
int cmd_map(int argc, char **argv);
int cmd_gaps(int argc, char **argv);
int cmd_dvsec(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_unify(int argc, char **argv);
int cmd_survey(int argc, char **argv);
int cmd_synth(int argc, char **argv);
int cmd_collect(int argc, char **argv);

#endif
