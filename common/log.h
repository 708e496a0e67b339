/*
 * Logging for the programs: stderr or syslog, with levels; fatal exits. On
 * stderr that systemd connected to the journal, lines start with their
 * priority (<4>, as sd-daemon(3) says) for journald, or go through a sink
 * the program installs (the agent's journal entries with fields).
 */
#ifndef MINT_COMMON_LOG_H
#define MINT_COMMON_LOG_H

#include <syslog.h>		/* LOG_INFO, LOG_WARNING for log_about() */

#define LOG_TO_STDERR	0
#define LOG_TO_SYSLOG	1

void log_open(const char *name, int verbose, int where);
void log_set_verbose(int verbose);
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * log_about: a line about one thing, named as the field MINT_<KEY>=VALUE
 * where the sink keeps fields (KEY "RESOURCE", "GUEST"); elsewhere the line
 * alone. A sink returns 0 once it took the line, -errno to leave it to stderr.
 */
typedef int (*log_sink_fn)(int prio, const char *key, const char *value, const char *line);
void log_about(int prio, const char *key, const char *value, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int log_to_journal(void);
void log_set_sink(log_sink_fn sink);
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
