/* mint-console: drive and watch a Mint machine from any of its nodes. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/paths.h"
#include "console/cmd.h"

#define DEFAULT_REGION	"file:/dev/shm/mint-region"
#define DEFAULT_SOCKET	MINT_AGENT_SOCKET

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: mint-console [-r REGION] COMMAND [ARGS]\n"
	    "\n"
	    "  -r, --region SPEC   the shared region (file:PATH, dev:PATH, pci:PATH);\n"
	    "                      default: $MINT_REGION, else " DEFAULT_REGION "\n"
	    "  -s, --socket PATH   the local agent's control socket;\n"
	    "                      default: $MINT_SOCKET, else " DEFAULT_SOCKET "\n"
	    "  -t, --timeout MS    how long to wait for an agent's reply (5000)\n"
	    "  -h, --help          this text\n"
	    "\n"
	    "Commands (any unambiguous prefix works; COMMAND --help for each):\n");
	cmd_list(f);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "region", required_argument, NULL, 'r' },
		{ "socket", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct cmd_ctx ctx;
	int c;

	memset(&ctx, 0, sizeof(ctx));
	ctx.region_spec = getenv("MINT_REGION") ? getenv("MINT_REGION") : DEFAULT_REGION;
	ctx.socket_path = getenv("MINT_SOCKET") ? getenv("MINT_SOCKET") : DEFAULT_SOCKET;
	ctx.timeout_ms = 5000;
	/* "+": options after the command belong to the command */
	while ((c = getopt_long(argc, argv, "+r:s:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': ctx.region_spec = optarg; break;
		case 's': ctx.socket_path = optarg; break;
		case 't':
			ctx.timeout_ms = atoi(optarg);
			if (ctx.timeout_ms <= 0) {
				fprintf(stderr, "mint-console: timeout '%s' is not a number of ms\n", optarg);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	return cmd_run(&ctx, argc - optind, argv + optind);
}
