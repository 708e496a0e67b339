/*
 * The hand-over of one resource (a core, a memory block, a device) from a
 * donor node to a receiver, as mint does it: the resource word in the
 * region's resource table changes only by compare-and-swap, through
 *   OWNED(donor) -> RELEASING -> FREE -> CLAIMING -> OWNED(receiver),
 * and any failure rolls back to OWNED(donor) or, when a side died mid-move,
 * leaves the resource FENCED for an operator's reclaim.
 *
 * The states and the compare-and-swap are shm/resource.c's (res_move); the
 * steps are what the agents will do for "mint-console cpu|mem|dev move" (the
 * resource redistribution issue), written here first to check the design.
 *
 * Checked with spin (make check, tests/t-handover.sh):
 *   safety: no instant at which both kernels use the resource;
 *   no loss: at the end the resource is owned by a node that uses it, or
 *            fenced, never free with nobody to take it.
 * Either node may die (stop acting, leaving its kernel as it was) at any step.
 */

#define OWNED		1
#define RELEASING	2
#define FREE		3
#define CLAIMING	4
#define FENCED		5

#define D	0	/* donor */
#define R	1	/* receiver */
#define NOBODY	2

byte state = OWNED;
byte owner = D;
byte gen = 0;

bool using[2];		/* the resource is online in that node's kernel */
bool dead[2];		/* the node stopped acting (its kernel may still use it) */
bool finished;		/* the coordinator is done */

chan to_donor = [1] of { byte };
chan to_receiver = [1] of { byte };
chan to_coord = [2] of { byte };

mtype = { release, released, refused, claim, claimed };

/* compare-and-swap of the resource word */
inline cas(os, oo, ns, no, ok) {
	atomic {
		if
		:: state == os && owner == oo -> state = ns; owner = no; gen++; ok = true
		:: else -> ok = false
		fi
	}
}

/* a node may die at any step: from then on it does nothing */
#define MAYBE_DIE(n)	if :: dead[n] = true; goto end_dead :: skip fi

active proctype donor()
{
	bool ok;
	using[D] = true;
	MAYBE_DIE(D);
end_wait:
	to_donor ? release;
	MAYBE_DIE(D);
	if
	:: /* refuse (the last core, a guest uses the device ...) */
		cas(RELEASING, D, OWNED, D, ok);
		to_coord ! refused
	:: /* take it offline in this kernel, then say so in the table */
		using[D] = false;
		MAYBE_DIE(D);
		cas(RELEASING, D, FREE, NOBODY, ok);
		if
		:: ok -> to_coord ! released
		:: else -> using[D] = true;	/* rolled back meanwhile: it is ours again */
			assert(!using[R])
		fi
	fi;
end_dead:
	skip
}

active proctype receiver()
{
	bool ok;
	MAYBE_DIE(R);
end_wait:
	to_receiver ? claim;
	MAYBE_DIE(R);
	/* the table says CLAIMING for us: only now may this kernel use it */
	if
	:: state == CLAIMING && owner == R ->
		using[R] = true;
		assert(!using[D]);
		MAYBE_DIE(R);
		cas(CLAIMING, R, OWNED, R, ok);
		if
		:: ok -> to_coord ! claimed
		:: else -> using[R] = false
		fi
	:: else -> skip
	fi;
end_dead:
	skip
}

/* the agent that runs the move for a console */
active proctype coordinator()
{
	bool ok;
	byte reply;

	cas(OWNED, D, RELEASING, D, ok);
	assert(ok);
	to_donor ! release;
	if
	:: to_coord ? reply ->
		if
		:: reply == refused -> goto done
		:: reply == released -> skip
		fi
	:: timeout ->
		/* the donor does not answer: take the resource back for it if it
		   did not move yet; if it died in the middle, fence it */
		cas(RELEASING, D, OWNED, D, ok);
		if
		:: ok && !dead[D] -> goto done
		:: ok && dead[D] -> atomic { state = FENCED; gen++ }; goto done
		:: !ok -> skip	/* it got to FREE after all */
		fi
	fi;
	cas(FREE, NOBODY, CLAIMING, R, ok);
	assert(ok);
	to_receiver ! claim;
	if
	:: to_coord ? reply -> assert(reply == claimed)
	:: timeout ->
		/* the receiver died after the table said CLAIMING: fence */
		cas(CLAIMING, R, FENCED, R, ok)
	fi;
done:
	finished = true
}

/* safety, at every step */
ltl exclusive { [] !(using[D] && using[R]) }

/* no loss: once the move is over, the resource is used by its owner, or fenced */
active proctype settled()
{
	finished;
	assert(state == FENCED ||
	    (state == OWNED && owner == D && using[D] && !using[R]) ||
	    (state == OWNED && owner == R && using[R] && !using[D]))
}
