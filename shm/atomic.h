/*
 * Atomic access to words of the shared region. Every store another node
 * waits for is a release; every load of such a word is an acquire.
 */
#ifndef MINT_SHM_ATOMIC_H
#define MINT_SHM_ATOMIC_H

#define load_acquire(p)		__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define load_relaxed(p)		__atomic_load_n((p), __ATOMIC_RELAXED)
#define store_release(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define store_relaxed(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELAXED)
/* The store->load fence of a sleep/wake handshake (Dekker). */
#define full_fence()		__atomic_thread_fence(__ATOMIC_SEQ_CST)

#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)

static inline void
cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

#endif
