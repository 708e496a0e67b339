/* Talking to the local agent over its control socket. */
#ifndef MINT_CONSOLE_CLIENT_H
#define MINT_CONSOLE_CLIENT_H

#include "proto/wire.h"

int client_request(const char *path, const Mint__Command *cmd, int timeout_ms,
	    Mint__Envelope **reply, char *cause, size_t causelen);

#endif
