package ratelimit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// CallFunc sends one request to the process that holds the counters and
// returns its answer. In the cluster lab it is the worker's IPC call to the
// primary.
type CallFunc func(ctx context.Context, data []byte) ([]byte, error)

// Remote is a store whose counters live in another process: every worker
// asks the same holder, so a client is counted once across the cluster, at
// the cost of one IPC round trip per request.
type Remote struct {
	call CallFunc
}

// NewRemote returns a store that counts through call. The other side answers
// with ServeRemote.
func NewRemote(call CallFunc) *Remote { return &Remote{call: call} }

// remoteRequest and remoteReply are the wire format between Remote and
// ServeRemote.
type remoteRequest struct {
	Key string `json:"key"`
}

type remoteReply struct {
	Count   int   `json:"count"`
	ResetMS int64 `json:"reset_ms"` // Unix milliseconds
}

// Hit counts one request for key in the remote store.
func (r *Remote) Hit(ctx context.Context, key string) (Hit, error) {
	req, err := json.Marshal(remoteRequest{Key: key})
	if err != nil {
		return Hit{}, err
	}
	data, err := r.call(ctx, req)
	if err != nil {
		return Hit{}, fmt.Errorf("primary rate-limit store: %w", err)
	}
	var rep remoteReply
	if err := json.Unmarshal(data, &rep); err != nil {
		return Hit{}, fmt.Errorf("primary rate-limit store: bad reply: %w", err)
	}
	if rep.Count < 1 {
		return Hit{}, errors.New("primary rate-limit store: reply without a count")
	}
	return Hit{Count: rep.Count, Reset: time.UnixMilli(rep.ResetMS)}, nil
}

// ServeRemote answers Remote's requests from store; the holder process (the
// cluster primary) registers it as the handler of the call.
func ServeRemote(store Store) func(ctx context.Context, data []byte) ([]byte, error) {
	return func(ctx context.Context, data []byte) ([]byte, error) {
		var req remoteRequest
		if err := json.Unmarshal(data, &req); err != nil {
			return nil, fmt.Errorf("rate-limit request: %w", err)
		}
		hit, err := store.Hit(ctx, req.Key)
		if err != nil {
			return nil, err
		}
		return json.Marshal(remoteReply{Count: hit.Count, ResetMS: hit.Reset.UnixMilli()})
	}
}
