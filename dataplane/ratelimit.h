#ifndef SW_RATELIMIT_H
#define SW_RATELIMIT_H

/**
 * @file
 * Per-source limit on the stateless answers a polling lcore sends to
 * unauthenticated senders (challenges and error responses), so that sipwardd
 * cannot be used as a reflector against a spoofed source address (issue 7).
 * `[limits] challenge_rate` answers per second per source, with bursts of
 * `[limits] challenge_burst`; over the limit the request is dropped and
 * counted (SW_DROP_CHALLENGE_RATE).  Authenticated traffic is never limited.
 *
 * One fixed-size, direct-mapped table of token buckets per lcore, keyed by a
 * hash of the source address with a per-lcore secret seed: no allocation, no
 * lock (single writer), O(1).  A slot whose occupant is a different source
 * is taken over only when the occupant's bucket would be full again (idle
 * for burst/rate seconds); otherwise the newcomer shares, and pays into, the
 * occupant's bucket.  So eviction can never hand a source a fresh bucket
 * early: collisions only make the limit stricter.
 *
 * A second table per lcore limits the handshake legs (credentials with
 * gssapi-data) one source may hand to the control plane: `[limits]
 * handshake_rate` / `handshake_burst`, drops counted as
 * SW_DROP_HANDSHAKE_RATE.  Each leg costs the control thread a GSS call and
 * may make it answer with more bytes than it got (an NTLM CHALLENGE), and
 * the lcore -> control-plane ring is shared by every source: without this a
 * single (spoofed) source could fill it for everyone.
 *
 * The control thread drops what waited in that ring longer than `[limits]
 * cp_max_wait` (sw_rl_too_old()): after a stall the backlog is stale, its
 * senders have retransmitted (RFC 3261 §17.1.2.2, T1 = 500 ms), working
 * through it first would delay the fresh legs behind it, and its NTLM first
 * legs would take every pending-handshake slot ([limits] handshakes_max).
 *
 * DPDK-free (unit-testable).  Thread: the owning polling lcore only.
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SW_RL_SLOTS 4096u /**< buckets per lcore (power of two) */

struct sw_rl_slot {
	uint32_t tag;	 /**< source hash | 1; 0 = empty */
	uint32_t tokens; /**< in thousandths of an answer */
	uint64_t ms;	 /**< last refill (now_ms clock) */
};

struct sw_rl {
	uint32_t rate;	/**< answers per second per source; 0 = unlimited */
	uint32_t burst; /**< bucket size in answers (>= 1) */
	uint64_t seed;	/**< secret per lcore: sources cannot aim at a slot */
	struct sw_rl_slot slot[SW_RL_SLOTS];
};

/** Set the limits (before the lcore is launched).  @p rate 0 disables. */
static inline void
sw_rl_init(struct sw_rl *rl, uint32_t rate, uint32_t burst, uint64_t seed)
{
	memset(rl->slot, 0, sizeof(rl->slot));
	rl->rate = rate;
	rl->burst = burst == 0 ? 1 : burst;
	rl->seed = seed;
}

/* 64-bit mix (splitmix64 finaliser) of the seeded key. */
static inline uint64_t
sw_rl_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

/** Hash of a source address of @p len bytes (4 or 16) under @p rl's seed. */
static inline uint64_t
sw_rl_hash(const struct sw_rl *rl, const void *addr, unsigned int len)
{
	uint64_t h = rl->seed, w;
	const uint8_t *p = addr;
	unsigned int i;

	for (i = 0; i < len; i += 8) {
		w = 0;
		memcpy(&w, p + i, len - i < 8 ? len - i : 8);
		h = sw_rl_mix(h ^ w);
	}
	return sw_rl_mix(h ^ len);
}

/**
 * May the source with hash @p h be answered at @p now_ms?  Takes one token
 * if so.  Does not allocate, lock or log.
 */
static inline bool
sw_rl_take(struct sw_rl *rl, uint64_t h, uint64_t now_ms)
{
	const uint32_t cap = rl->burst * 1000u;
	struct sw_rl_slot *s;
	uint32_t tag = (uint32_t)(h >> 32) | 1u;
	uint64_t add;

	if (rl->rate == 0)
		return true;
	s = &rl->slot[h & (SW_RL_SLOTS - 1)];
	/* Refill: rate answers per second is rate thousandths per ms. */
	add = now_ms > s->ms ? (now_ms - s->ms) * rl->rate : 0;
	if (s->tag == 0 || (s->tag != tag && s->tokens + add >= cap)) {
		/* Empty, or its occupant is idle (full again): ours now. */
		s->tag = tag;
		s->tokens = cap;
		s->ms = now_ms;
	} else if (add != 0) {
		s->tokens = s->tokens + add >= cap ? cap : (uint32_t)(s->tokens + add);
		s->ms = now_ms;
	}
	if (s->tokens < 1000u)
		return false;
	s->tokens -= 1000u;
	return true;
}

/**
 * Has a message stamped @p queued_ms (the low 32 bits of the now_ms clock)
 * when it was handed to the control plane waited longer than @p max_ms at
 * @p now_ms?  An age of exactly @p max_ms is still in time; a stamp up to
 * 24 days in the future (another core's clock read a moment later) is age
 * 0, not a wrapped huge age.  @p max_ms must be below 2^31.  Any thread;
 * does not allocate, lock or log.
 */
static inline bool
sw_rl_too_old(uint32_t queued_ms, uint64_t now_ms, uint32_t max_ms)
{
	int32_t age = (int32_t)((uint32_t)now_ms - queued_ms);

	return age > (int32_t)max_ms;
}

/**
 * Log limiter for the control thread: at most @p burst lines per window;
 * the rest are counted, and the first line allowed after a window with
 * suppressed lines reports how many (issue 7: no log line per bad packet --
 * a flood of bad handshakes must not become a flood of log lines).
 * Single-threaded (the control thread).
 */
struct sw_logrl {
	uint64_t window_ms;
	uint64_t start_ms;
	uint32_t burst;
	uint32_t used;
	uint64_t suppressed;
};

#define SW_LOGRL_INIT(burst_, window_ms_)                                                          \
	{                                                                                          \
		(window_ms_), 0, (burst_), 0, 0                                                    \
	}

/**
 * May a line be logged at @p now_ms?  *@p missed is set to the number of
 * lines suppressed in the window that just ended (report it first), else 0.
 */
static inline bool
sw_logrl_allow(struct sw_logrl *l, uint64_t now_ms, uint64_t *missed)
{
	*missed = 0;
	if (now_ms - l->start_ms >= l->window_ms || now_ms < l->start_ms) {
		*missed = l->suppressed;
		l->suppressed = 0;
		l->used = 0;
		l->start_ms = now_ms;
	}
	if (l->used < l->burst) {
		l->used++;
		return true;
	}
	l->suppressed++;
	return false;
}

#ifdef __cplusplus
}
#endif

#endif /* SW_RATELIMIT_H */
