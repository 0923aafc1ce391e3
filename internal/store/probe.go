package store

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"
)

// probeTTL bounds the life of a benchmark's probe value.
const probeTTL = 10 * time.Minute

// SetProbe stores a value of size random bytes under the probe key (keys.go), for
// benchmarks: Probe then measures the floor of a store call, one GET, through the
// same client (and, embedded, the same gate) as every other call.
func (r *Redis) SetProbe(ctx context.Context, size int) (err error) {
	defer r.track("set_probe", time.Now(), &err)
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	v := make([]byte, size)
	if _, err := rand.Read(v); err != nil {
		return fmt.Errorf("store: probe: %w", err)
	}
	return r.wrap("set probe", r.rdb.Set(ctx, r.probeKey(), v, probeTTL).Err())
}

// Probe reads the value SetProbe stored, in one GET.
func (r *Redis) Probe(ctx context.Context) (v []byte, err error) {
	defer r.track("probe", time.Now(), &err)
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	v, err = r.rdb.Get(ctx, r.probeKey()).Bytes()
	return v, r.wrap("probe", err)
}
