/*
 * The `dataland` commands (API.md §6), one file each: cmd_<name>.c.
 * Each takes its own argv (argv[0] is the command name) and returns
 * the exit status: 0 ok, 1 failure, 2 usage.
 */
#ifndef CMDS_H
#define CMDS_H

int	cmd_migrate(int argc, char **argv);
int	cmd_check_env(int argc, char **argv);
int	cmd_top_tables(int argc, char **argv);
int	cmd_auth_init_db(int argc, char **argv);
int	cmd_retention_sweep(int argc, char **argv);
int	cmd_catalog(int argc, char **argv);

#endif
