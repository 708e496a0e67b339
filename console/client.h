/* Talking to the local agent over its control socket. */
#ifndef MINT_CONSOLE_CLIENT_H
#define MINT_CONSOLE_CLIENT_H

#include "proto/wire.h"

/* Called every tick_ms while a reply is awaited (progress of long requests). */
typedef void (*client_tick_fn)(void *arg);

int client_request(const char *path, const Mint__Command *cmd, int timeout_ms,
	    Mint__Envelope **reply, char *cause, size_t causelen);
int client_request_tick(const char *path, const Mint__Command *cmd, int timeout_ms,
	    int tick_ms, client_tick_fn tick, void *arg, Mint__Envelope **reply, char *cause,
	    size_t causelen);

#endif
