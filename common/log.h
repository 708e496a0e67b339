/*
 * Logging for the programs: stderr or syslog, with levels; fatal exits. On
 * stderr that systemd connected to the journal, lines start with their
 * priority (<4>, as sd-daemon(3) says) for journald.
 */
#ifndef MINT_COMMON_LOG_H
#define MINT_COMMON_LOG_H

#define LOG_TO_STDERR	0
#define LOG_TO_SYSLOG	1

void log_open(const char *name, int verbose, int where);
void log_set_verbose(int verbose);
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
