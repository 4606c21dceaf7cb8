package ratelimit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"
)

// CallFunc sends one request to the process that holds the counters and
// returns its answer. In the cluster lab it is the worker's IPC call to the
// primary.
type CallFunc func(ctx context.Context, data []byte) ([]byte, error)

// Remote is a store whose counters live in another process: every worker
// asks the same holder, so a client is counted once across the cluster.
//
// The price is a round trip per call, so calls are grouped: while one is on
// its way, the hits that arrive wait and then go together in the next one
// (a group commit). Every hit is still counted by the holder and gets its
// own exact count back; a busy worker just makes one round trip per group
// instead of one per request. An idle worker sends each hit at once.
type Remote struct {
	call CallFunc
	// Timeout bounds each call: a group is shared by many requests, so it
	// cannot follow any one request's context.
	Timeout time.Duration

	mu      sync.Mutex
	sending bool   // a group is on its way
	next    *group // collects the hits that arrive meanwhile
}

// group is the hits of one call, and its answer once it is in.
type group struct {
	index map[string]int // key → position in hits
	hits  []remoteHit
	// lead is closed when the group may go: its first member sends it.
	lead chan struct{}
	// done is closed when counts (or err) are in.
	done   chan struct{}
	counts []remoteCount
	err    error
}

// NewRemote returns a store that counts through call. The other side answers
// with ServeRemote.
func NewRemote(call CallFunc) *Remote { return &Remote{call: call, Timeout: 5 * time.Second} }

// remoteRequest and remoteReply are the wire format between Remote and
// ServeRemote: n hits per key, and for each key the counts of its first
// and last hit (consecutive, unless the window ended in between).
type remoteRequest struct {
	Hits []remoteHit `json:"hits"`
}

type remoteHit struct {
	Key string `json:"key"`
	N   int    `json:"n"`
}

type remoteReply struct {
	Counts []remoteCount `json:"counts"`
}

type remoteCount struct {
	First   int   `json:"first"`
	Last    int   `json:"last"`
	ResetMS int64 `json:"reset_ms"` // Unix milliseconds, of the last hit's window
}

// maxGroupHits bounds how many hits of one key ServeRemote counts per call.
const maxGroupHits = 1 << 16

// Hit counts one request for key in the remote store.
func (r *Remote) Hit(ctx context.Context, key string) (Hit, error) {
	r.mu.Lock()
	g := r.next
	first := g == nil
	if first {
		g = &group{index: map[string]int{}, lead: make(chan struct{}), done: make(chan struct{})}
		r.next = g
	}
	i, ok := g.index[key]
	if !ok {
		i = len(g.hits)
		g.index[key] = i
		g.hits = append(g.hits, remoteHit{Key: key})
	}
	g.hits[i].N++
	pos := g.hits[i].N // this hit's place among the key's hits in the group
	goNow := first && !r.sending
	if goNow {
		r.sending, r.next = true, nil
	}
	r.mu.Unlock()

	if first {
		// The first member sends the group, whatever its own context
		// says: the others are waiting on it.
		if !goNow {
			<-g.lead
		}
		r.send(g)
	}
	select {
	case <-g.done:
	case <-ctx.Done():
		return Hit{}, ctx.Err()
	}
	if g.err != nil {
		return Hit{}, g.err
	}
	return countOf(g.counts[i], g.hits[i].N, pos), nil
}

// countOf is the count of the pos-th of n hits of one key, given the counts
// of the first and the last: consecutive, unless the window ended during
// the n, in which case the last ones start again from 1.
func countOf(c remoteCount, n, pos int) Hit {
	reset := time.UnixMilli(c.ResetMS)
	if inNew := min(c.Last, n); pos > n-inNew {
		return Hit{Count: c.Last - n + pos, Reset: reset}
	}
	// Counted in the window that just ended; it has no time left.
	return Hit{Count: c.First + pos - 1, Reset: time.Now()}
}

// send makes g's call, then hands over to the group that formed meanwhile.
func (r *Remote) send(g *group) {
	g.counts, g.err = r.exchange(g.hits)
	close(g.done)

	r.mu.Lock()
	next := r.next
	if next == nil {
		r.sending = false
	}
	r.next = nil
	r.mu.Unlock()
	if next != nil {
		close(next.lead)
	}
}

func (r *Remote) exchange(hits []remoteHit) ([]remoteCount, error) {
	req, err := json.Marshal(remoteRequest{Hits: hits})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.Timeout)
	defer cancel()
	data, err := r.call(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("primary rate-limit store: %w", err)
	}
	var rep remoteReply
	if err := json.Unmarshal(data, &rep); err != nil {
		return nil, fmt.Errorf("primary rate-limit store: bad reply: %w", err)
	}
	if len(rep.Counts) != len(hits) {
		return nil, fmt.Errorf("primary rate-limit store: %d counts for %d keys", len(rep.Counts), len(hits))
	}
	for _, c := range rep.Counts {
		if c.First < 1 || c.Last < 1 {
			return nil, errors.New("primary rate-limit store: reply without a count")
		}
	}
	return rep.Counts, nil
}

// ServeRemote answers Remote's requests from store; the holder process (the
// cluster primary) registers it as the handler of the call.
func ServeRemote(store Store) func(ctx context.Context, data []byte) ([]byte, error) {
	return func(ctx context.Context, data []byte) ([]byte, error) {
		var req remoteRequest
		if err := json.Unmarshal(data, &req); err != nil {
			return nil, fmt.Errorf("rate-limit request: %w", err)
		}
		rep := remoteReply{Counts: make([]remoteCount, len(req.Hits))}
		for i, h := range req.Hits {
			if h.N < 1 || h.N > maxGroupHits {
				return nil, fmt.Errorf("rate-limit request: %d hits for one key (1 to %d)", h.N, maxGroupHits)
			}
			for k := range h.N {
				hit, err := store.Hit(ctx, h.Key)
				if err != nil {
					return nil, err
				}
				if k == 0 {
					rep.Counts[i].First = hit.Count
				}
				rep.Counts[i].Last, rep.Counts[i].ResetMS = hit.Count, hit.Reset.UnixMilli()
			}
		}
		return json.Marshal(rep)
	}
}
