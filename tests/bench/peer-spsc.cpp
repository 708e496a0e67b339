/*
 * The peer in make bench: boost::lockfree::spsc_queue, measured as the ring
 * is (two threads pinned to CPUs 0 and 1, 64 KiB of queue, messages copied
 * in and out): round trip and message rate at 64 and 512 bytes, medians of
 * ROUNDS. Prints one line: "rtt64 NS rtt512 NS rate64 MPS rate512 MPS".
 * Built by tests/bench/bench.sh where g++ and libboost-dev are installed.
 * Usage: peer-spsc [ROUNDS]
 */
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include <pthread.h>
#include <sched.h>

#include <boost/lockfree/spsc_queue.hpp>

namespace {

template <size_t N> struct msg {
	unsigned char b[N];
};

void
pin(int cpu)
{
	cpu_set_t set;
	int n = (int)std::thread::hardware_concurrency();

	CPU_ZERO(&set);
	CPU_SET(n > 0 ? cpu % n : 0, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

double
now_ns()
{
	return (double)std::chrono::duration_cast<std::chrono::nanoseconds>(
	    std::chrono::steady_clock::now().time_since_epoch()).count();
}

/* Round trip: a message there on one queue, back on the other; ns each. */
template <size_t N> double
rtt(long iters)
{
	constexpr size_t cap = 65536 / N;
	boost::lockfree::spsc_queue<msg<N>, boost::lockfree::capacity<cap>> there, back;
	std::atomic<int> ready{0};
	double t = 0;

	std::thread peer([&] {
		msg<N> m, out;
		pin(1);
		ready = 1;
		for (long i = 0; i < iters; i++) {
			while (!there.pop(m))
				;
			std::memcpy(&out, &m, N);
			while (!back.push(out))
				;
		}
	});
	pin(0);
	while (!ready)
		;
	msg<N> m{}, in;
	double t0 = now_ns();
	for (long i = 0; i < iters; i++) {
		std::memcpy(m.b, &i, sizeof(i));
		while (!there.push(m))
			;
		while (!back.pop(in))
			;
	}
	t = now_ns() - t0;
	peer.join();
	return t / (double)iters;
}

/* Rate: messages one way as fast as they go; messages per second. */
template <size_t N> double
rate(long iters)
{
	constexpr size_t cap = 65536 / N;
	boost::lockfree::spsc_queue<msg<N>, boost::lockfree::capacity<cap>> q;
	std::atomic<int> ready{0};
	double t = 0;

	std::thread consumer([&] {
		msg<N> m;
		unsigned char sink[N];
		pin(1);
		ready = 1;
		double t0 = now_ns();
		for (long i = 0; i < iters; i++) {
			while (!q.pop(m))
				;
			std::memcpy(sink, m.b, N);
			asm volatile("" : : "r"(sink) : "memory");
		}
		t = now_ns() - t0;
	});
	pin(0);
	while (!ready)
		;
	msg<N> m{};
	for (long i = 0; i < iters; i++) {
		std::memcpy(m.b, &i, sizeof(i));
		while (!q.push(m))
			;
	}
	consumer.join();
	return (double)iters * 1e9 / t;
}

double
median(std::vector<double> v)
{
	std::sort(v.begin(), v.end());
	size_t n = v.size();
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

} // namespace

int
main(int argc, char **argv)
{
	int rounds = argc > 1 ? std::atoi(argv[1]) : 5;
	std::vector<double> r64, r512, m64, m512;

	if (rounds < 1 || rounds > 15) {
		std::fprintf(stderr, "usage: peer-spsc [ROUNDS 1..15]\n");
		return 2;
	}
	for (int r = 0; r < rounds; r++) {
		r64.push_back(rtt<64>(200000));
		r512.push_back(rtt<512>(200000));
		m64.push_back(rate<64>(10000000));
		m512.push_back(rate<512>(5000000));
	}
	std::printf("rtt64 %.1f rtt512 %.1f rate64 %.3f rate512 %.3f\n", median(r64), median(r512),
	    median(m64) / 1e6, median(m512) / 1e6);
	return 0;
}
