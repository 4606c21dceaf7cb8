package redisrun

import (
	"context"
	"fmt"
	"os/exec"
)

// StartOn runs redis-server on 127.0.0.1:port, like Start: a lab uses it to
// bring back a Redis it killed at the address its clients already know.
// It fails if the port is taken.
func StartOn(ctx context.Context, port int) (*Server, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrNoRedis, InstallHint)
	}
	return start(ctx, bin, port)
}
