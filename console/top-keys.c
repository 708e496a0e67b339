/* top's keys: one table from key to action; the help text comes from it too. */
#include <stdio.h>

#include "console/top.h"

static const struct {
	int key;
	enum top_action action;
	const char *help;
} top_keys[] = {
	{ 'q', TOP_QUIT, "quit" },
	{ 'h', TOP_HELP, "show or hide this help" },
	{ '?', TOP_HELP, NULL },
	{ 's', TOP_NEXT_SORT, "sort by the next column" },
	{ 'r', TOP_REVERSE, "reverse the order" },
	{ 'k', TOP_UP, "select the node above" },
	{ 'j', TOP_DOWN, "select the node below" },
	{ ' ', TOP_REFRESH, "refresh now" },
};

enum top_action
top_key_action(int key)
{
	for (size_t i = 0; i < sizeof(top_keys) / sizeof(top_keys[0]); i++)
		if (top_keys[i].key == key)
			return top_keys[i].action;
	return TOP_NONE;
}

const char *
top_keys_help(void)
{
	static char buf[512];
	size_t off = 0;

	for (size_t i = 0; i < sizeof(top_keys) / sizeof(top_keys[0]) && off < sizeof(buf); i++)
		if (top_keys[i].help != NULL)
			off += (size_t)snprintf(buf + off, sizeof(buf) - off, "  %c  %s\n",
			    top_keys[i].key == ' ' ? '_' : top_keys[i].key, top_keys[i].help);
	return buf;
}
