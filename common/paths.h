/* Where a node's mint lives on the host: the paths the agent and the console both know. */
#ifndef MINT_COMMON_PATHS_H
#define MINT_COMMON_PATHS_H

/* a node's run directory (and the simulated machine's, unless $MINT_RUN_DIR) */
#define MINT_RUN_DIR		"/run/mint"
/* the agent's control socket, where consoles find it (--socket) */
#define MINT_AGENT_SOCKET	MINT_RUN_DIR "/agent.sock"
/* where a node's tunnel sockets live (--tunnel-dir) */
#define MINT_TUNNEL_DIR		MINT_RUN_DIR "/tunnels"

#endif
