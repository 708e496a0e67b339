/*
 * The hand-over of one resource (a core, a memory block, a device) from a
 * donor node to a receiver, as agent/move.c does it, in its terms. The
 * resource word (state, owner, generation) in the region's resource table
 * changes only by compare-and-swap against the word last read, through
 *   OWNED(d) -> RELEASING(d) -> FREE -> CLAIMING(r) -> OWNED(r).
 *
 *   donor      move.c: handle_move, donor_released, donor_claimed, takeback
 *   receiver   move.c: handle_claim, receiver_done, and move_node_dead's
 *              claim of a hand-over whose donor it believes dead
 *   watcher    move.c: move_node_dead: a node believed dead (rightly or not:
 *              a slow node looks dead) has what it owns fenced
 *   recovery   move.c: move_check_own: a live node takes back what is fenced
 *              in its name while it is not moving it
 *   reclaim    move.c: handle_reclaim: an operator frees a dead node's
 *              resources, its kernel stopped (using[n] = false)
 *
 * Either agent may die (stop acting; its kernel keeps using what it used)
 * at any step. Checked with spin (make check, tests/t-handover.sh):
 *   safety: a kernel uses the resource only while the table names its node
 *           as owner, so never two at once (LTL, and asserts at each use);
 *   no loss: once everything has settled, the resource is owned and used by
 *           a live node, or free and used by nobody (ready to be given).
 */

#define FREE		0
#define OWNED		1
#define RELEASING	2
#define CLAIMING	3
#define FENCED		4

#define D	0	/* donor */
#define R	1	/* receiver */
#define NOBODY	2

byte state = OWNED;
byte owner = D;
byte gen = 0;

bool using[2];		/* the resource is up in that node's kernel */
bool dead[2];		/* the node's agent stopped (its kernel may still use it) */
bool moving[2];		/* the node's agent has a move of it under way */

mtype = { claim, claimed, failed };
chan to_receiver = [1] of { mtype };
chan to_donor = [1] of { mtype };

/* compare-and-swap against the generation last seen (g), which it updates */
inline cas(os, oo, g, ns, no, ok) {
	atomic {
		if
		:: state == os && owner == oo && gen == g ->
			state = ns; owner = no; gen++; g = gen; ok = true
		:: else -> ok = false
		fi
	}
}

#define MAYBE_DIE(n)	if :: dead[n] = true; goto end_dead :: skip fi

active proctype donor()
{
	bool ok;
	byte g = 0;

	using[D] = true;
	moving[D] = true;
	/* handle_move: the rules held; the move begins */
	cas(OWNED, D, g, RELEASING, D, ok);
	if :: !ok -> goto done :: else -> skip fi;
	MAYBE_DIE(D);
	if
	:: /* its kernel refuses: it stays up and ours */
		cas(RELEASING, D, g, OWNED, D, ok);
		goto done
	:: using[D] = false	/* taken down in its kernel */
	fi;
	MAYBE_DIE(D);
	cas(RELEASING, D, g, FREE, NOBODY, ok);
	if :: !ok -> goto done :: else -> skip fi;	/* fenced meanwhile: it stays down */
	MAYBE_DIE(D);
	cas(FREE, NOBODY, g, CLAIMING, R, ok);
	if :: !ok -> goto done :: else -> skip fi;
	MAYBE_DIE(D);
	to_receiver ! claim;
	if
	:: to_donor ? claimed -> skip
	:: to_donor ? failed ->
		/* takeback: the receiver did not bring it up */
		cas(CLAIMING, R, g, CLAIMING, D, ok);
		if
		:: ok ->
			MAYBE_DIE(D);
			if
			:: using[D] = true;
				assert(owner == D && !using[R]);
				MAYBE_DIE(D);
				cas(CLAIMING, D, g, OWNED, D, ok)
			:: cas(CLAIMING, D, g, FENCED, D, ok)	/* cannot bring it back */
			fi
		:: else -> skip
		fi
	:: empty(to_donor) ->
		/* no answer yet: too slow, or found dead; it may be using it */
		cas(CLAIMING, R, g, FENCED, R, ok)
	fi;
done:
	moving[D] = false;
end_dead:
	skip
}

/* an answer to the donor; one it no longer waits for is dropped, as the ring's would be */
#define REPLY(m)	if :: nfull(to_donor) -> to_donor ! m :: else -> skip fi

/*
 * Bring up an entry that says CLAIMING for R, read with generation g; alone:
 * a claim of R's own (its donor seems dead), with nobody to answer.
 */
inline bring_up(alone) {
	MAYBE_DIE(R);
	if
	:: alone -> cas(CLAIMING, R, g, FREE, NOBODY, ok)	/* cannot: nobody takes it back */
	:: !alone -> REPLY(failed)	/* cannot: nothing used, the donor takes it back */
	:: using[R] = true;
		assert(owner == R && !using[D]);
		MAYBE_DIE(R);
		cas(CLAIMING, R, g, OWNED, R, ok);
		if
		:: ok -> if :: !alone -> REPLY(claimed) :: else -> skip fi
		:: else -> using[R] = false;	/* fenced meanwhile: down again */
			if :: !alone -> REPLY(failed) :: else -> skip fi
		fi
	fi
}

active proctype receiver()
{
	bool ok, took = false, self = false;
	byte g;

end_loop:
	do
	:: !took && to_receiver ? [claim] ->
		/* handle_claim */
		to_receiver ? claim;
		took = true;
		moving[R] = true;
		atomic { g = gen; ok = (state == CLAIMING && owner == R) };
		if
		:: ok -> bring_up(false)
		:: !ok && state == OWNED && owner == R -> REPLY(claimed)
		:: else -> REPLY(failed)
		fi;
		moving[R] = false
	:: !self && !moving[R] && state == CLAIMING && owner == R ->
		/* move_node_dead: the donor seems dead after handing it over */
		self = true;
		moving[R] = true;
		atomic { g = gen; ok = (state == CLAIMING && owner == R) };
		if
		:: ok ->
			/* a new generation first: the donor can no longer take it back */
			cas(CLAIMING, R, g, CLAIMING, R, ok);
			if
			:: ok -> bring_up(true)
			:: else -> skip
			fi
		:: else -> skip
		fi;
		moving[R] = false
	od;
end_dead:
	skip
}

/* move_node_dead, on any node: once per node, rightly or wrongly */
active proctype watcher()
{
	bool ok, fencedD = false, fencedR = false;
	byte g, n, s;

end_loop:
	do
	:: !fencedD -> fencedD = true; n = D; goto fence
	:: !fencedR -> fencedR = true; n = R; goto fence
	od;
fence:
	atomic { g = gen; ok = (owner == n && (state == OWNED || state == RELEASING ||
	    state == CLAIMING)) };
	if
	:: ok -> s = state; cas(s, n, g, FENCED, n, ok)
	:: else -> skip
	fi;
	goto end_loop
}

/* move_check_own on each live node, and handle_reclaim for dead ones */
active proctype keeper()
{
	bool ok;
	byte g, n, s;

end_loop:
	do
	:: atomic { !dead[D] && !moving[D] && owner == D && (state == FENCED || state == RELEASING) ->
		g = gen }; n = D; goto own
	:: atomic { !dead[R] && !moving[R] && owner == R && state == FENCED -> g = gen }; n = R; goto own
	:: atomic { owner != NOBODY && dead[owner] && state != FREE ->
		/* reclaim: the dead node's kernel is stopped, the resource freed */
		using[owner] = false; state = FREE; owner = NOBODY; gen++ }
	od;
own:
	s = state;
	cas(s, n, g, OWNED, n, ok);
	if
	:: ok -> using[n] = true; assert(!using[1 - n])
	:: else -> skip
	fi;
	goto end_loop
}

/* safety, at every step: only the owner's kernel uses it */
ltl exclusive { [] ((using[D] -> owner == D) && (using[R] -> owner == R)) }

/* no loss: when nothing can happen any more, it is in use by its live owner, or free */
active proctype settled()
{
	timeout;
	assert((state == OWNED && owner != NOBODY && !dead[owner] && using[owner] &&
	    !using[1 - owner]) || (state == FREE && !using[D] && !using[R]))
}
