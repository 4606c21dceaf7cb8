package ratelimit

import (
	"context"
	"sync"
	"time"
)

// Memory is a per-process store, like express-rate-limit's MemoryStore: a
// client's window starts at its first request and lasts Window; the next
// request after that starts a new window at zero.
type Memory struct {
	window time.Duration
	now    func() time.Time

	mu        sync.Mutex
	clients   map[string]*memClient
	nextSweep time.Time
}

type memClient struct {
	count int
	reset time.Time
}

// NewMemory returns an empty store whose windows last window.
func NewMemory(window time.Duration) *Memory {
	return &Memory{window: window, now: time.Now, clients: make(map[string]*memClient)}
}

// Hit counts one request for key.
func (m *Memory) Hit(_ context.Context, key string) (Hit, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep(now)
	c := m.clients[key]
	if c == nil {
		c = &memClient{}
		m.clients[key] = c
	}
	if !now.Before(c.reset) {
		c.count = 0
		c.reset = now.Add(m.window)
	}
	c.count++
	return Hit{Count: c.count, Reset: c.reset}, nil
}

// sweep forgets clients whose window is over, at most once per window, so
// memory follows the number of recent clients rather than all clients ever.
func (m *Memory) sweep(now time.Time) {
	if now.Before(m.nextSweep) {
		return
	}
	for k, c := range m.clients {
		if !now.Before(c.reset) {
			delete(m.clients, k)
		}
	}
	m.nextSweep = now.Add(m.window)
}

// Len reports how many clients the store currently remembers.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.clients)
}
