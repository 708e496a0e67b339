/* top's view: the only file that draws with curses. */
#include <curses.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "console/top.h"
#include "shm/node.h"

static void
draw(struct top_model *m, int help, int delay_ms)
{
	char line[1024], detail[4096];
	time_t now = time(NULL);
	int y = 0, online = 0, dead = 0;

	erase();
	for (int i = 0; i < m->nrows; i++) {
		online += m->rows[i].state == MINT_NODE_ONLINE && !m->rows[i].dead;
		dead += m->rows[i].dead;
	}
	strftime(line, sizeof(line), "%H:%M:%S", localtime(&now));
	mvprintw(y++, 0, "mint top - %s  %d nodes: %d online, %d dead  cores: %s", line, m->nrows,
	    online, dead, top_model_mode(m));
	mvprintw(y++, 0, "every %d ms; sorted by %s%s; h for help, q to quit", delay_ms,
	    top_columns[m->sort].name, m->reverse ? ", reversed" : "");
	y++;
	top_format_header(line, sizeof(line));
	attron(A_REVERSE);
	mvprintw(y++, 0, "%-*s", COLS > 0 ? COLS : 80, line);
	attroff(A_REVERSE);
	for (int i = 0; i < m->nrows && y < LINES; i++) {
		top_format_row(&m->rows[i], line, sizeof(line));
		if (i == m->selected)
			attron(A_BOLD);
		mvprintw(y++, 0, "%s", line);
		attroff(A_BOLD);
		top_format_detail(&m->rows[i], detail, sizeof(detail));
		for (char *s = strtok(detail, "\n"); s != NULL && y < LINES; s = strtok(NULL, "\n"))
			mvprintw(y++, 0, "%s", s);
	}
	for (int i = 0; i < m->nmoves && y < LINES; i++)
		mvprintw(y++, 0, "  moving: %s", m->moves[i]);
	if (help) {
		y++;
		mvprintw(y++, 0, "keys:");
		for (char *s = strtok(strcpy(detail, top_keys_help()), "\n"); s != NULL && y < LINES;
		    s = strtok(NULL, "\n"))
			mvprintw(y++, 0, "%s", s);
	}
	refresh();
}

/*
 * A closed terminal (its window closed, the tmux pane killed) is hung up:
 * getch returns ERR at once, for ever, and only the session leader gets
 * SIGHUP. Without this check top would spin and outlive its terminal.
 */
static int
terminal_gone(void)
{
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0;
}

/* Run the live view until q, or until its terminal goes away. */
int
top_view_run(struct top_model *m, int delay_ms)
{
	int help = 0;

	initscr();
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	timeout(delay_ms);
	for (;;) {
		struct timespec ts;
		int key;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		top_model_sample(m, (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
		draw(m, help, delay_ms);
		key = getch();
		if (key == ERR && terminal_gone()) {
			endwin();
			return 0;
		}
		if (key == KEY_UP)
			key = 'k';
		else if (key == KEY_DOWN)
			key = 'j';
		switch (top_key_action(key)) {
		case TOP_QUIT:
			endwin();
			return 0;
		case TOP_HELP: help = !help; break;
		case TOP_NEXT_SORT: m->sort = (m->sort + 1) % top_ncolumns; break;
		case TOP_REVERSE: m->reverse = !m->reverse; break;
		case TOP_UP: if (m->selected > 0) m->selected--; break;
		case TOP_DOWN: if (m->selected < m->nrows - 1) m->selected++; break;
		case TOP_REFRESH:
		case TOP_NONE:
			break;
		}
	}
}
