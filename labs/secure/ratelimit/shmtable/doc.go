// Package shmtable counts requests per client in fixed windows inside one
// flat block of memory that several processes map at once. It is the
// security lab's "shared" rate-limit store: the cluster primary creates the
// block (a memfd), every worker it forks maps the same pages, and a client
// is counted in one place without asking anyone, the way nginx's limit_req
// keeps its counters in a shared memory zone that every worker updates in
// place. No request makes a system call or a round trip; a hit is a few
// atomic loads and one compare-and-swap.
//
// # Layout (version 1)
//
// The block is 64-bit words in the machine's byte order (every process that
// maps it runs on the same machine). A 128-byte header comes first:
//
//	word 0   magic "NDRLSHM1"
//	word 1   version (low 32 bits) | slot size in bytes (high 32 bits)
//	word 2   number of slots, a power of two
//	word 3   probe window: how many slots a key may live in, from its home
//	word 4   window length in milliseconds
//	word 5   epoch: Unix milliseconds of the block's creation
//	word 6-7 SipHash key, random per block
//	word 8   table-full refusals so far (its own cache line: it is written)
//	word 9+  reserved, zero
//
// then the slots, 16 bytes each: a key word and a state word.
//
//	key   | gen 16 | tag 48 |
//	state | gen 8 | kind 2 | time 34 | count 20 |
//
// tag is 48 bits of the client key's SipHash (the low bits pick the home
// slot). kind is never-used, owned, reserved or vacant. For an owned slot,
// time is the window's start (milliseconds since the epoch) and count the
// requests in it; gen in the state word is the low byte of gen in the key
// word, which ties the two words together. Open checks every header field
// and the block's size before a process counts anything in it.
//
// # Updates
//
// Every change is a compare-and-swap on one word; no process ever holds a
// lock, so a worker killed at any instruction leaves nothing blocked.
//
//   - counting a request in a live window: CAS the state word to count+1;
//   - a request after the window ended: CAS it to (now, 1), a new window;
//   - a new client takes the first reusable slot from its home (never used,
//     vacant, or whose window has ended): CAS the state to reserved, CAS the
//     key word to its own, check that no other slot holds or is being taken
//     for the same client, then CAS the state to owned with count 1.
//
// Two processes taking a slot for the same new client at once both write
// their key word before checking the others' slots, so at least one of them
// sees the other (atomics are sequentially consistent); an owned slot
// always wins, and of two reservations the one nearer the home slot does.
// A reservation whose taker died or stalled is abandoned after
// reservationTimeout and may be vacated by anyone; the stalled taker then
// fails its last CAS and starts over. Each request is counted by exactly one
// successful CAS, which is what makes the count exact across processes.
//
// A counted request whose worker dies before answering stays counted, as it
// would in the cluster primary or in Redis.
//
// # When the table is full
//
// A client lives within ProbeWindow slots of its home. When none of them is
// its own, never used, vacant or expired, the client cannot be counted, and
// the table refuses it: Hit returns a *FullError whose Reset is when the
// first of those slots' windows ends. The app answers that with 429 and
// Retry-After, like any client over its limit. This fails closed, as nginx
// does when its zone is exhausted: an attacker who fills the table gets
// refused clients, never an unlimited one, and the refusals are counted in
// the header (Stats.Full) so the lab can show them. The default table has
// 65536 slots (1 MiB) and fills only when about that many clients are active
// within one window.
//
// # Limits
//
// Counts stop at MaxCount (the lab's limits are far below it). The 34-bit
// time field covers 198 days from the epoch; a block older than that refuses
// to count (ErrTooOld) rather than guess. Two clients share a counter only
// if 48 bits of their hashes match and their homes lie within a probe window
// of each other: with 100 000 active clients a chance below 1 in 10^7, and
// with a random SipHash key per block no client can aim for it.
package shmtable
