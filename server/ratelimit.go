package main

import (
	"crypto/sha256"
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v5"
	"golang.org/x/time/rate"
)

// maxClients bounds the rate limiter's memory: beyond this many clients with
// recent requests, new ones share one bucket (and so are limited together)
// until idle clients are swept out.
const maxClients = 10_000

// clientLimits is a token bucket per client: per API token when the request has
// one, else per remote address. The address is the connection's, never a
// forwarded-for header a client could write itself; behind a proxy every reader
// shares the proxy's address, and tokens are what tell them apart.
type clientLimits struct {
	rate  rate.Limit
	burst int

	mu       sync.Mutex
	clients  map[[32]byte]*clientBucket
	overflow *rate.Limiter
	sweeps   int // calls since the last sweep
}

type clientBucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newClientLimits(perSecond float64, burst int) *clientLimits {
	return &clientLimits{
		rate:     rate.Limit(perSecond),
		burst:    burst,
		clients:  map[[32]byte]*clientBucket{},
		overflow: rate.NewLimiter(rate.Limit(perSecond), burst),
	}
}

// refill is how long an idle bucket takes to fill up again: after it, a client's
// bucket is the same as a new one and can be forgotten.
func (l *clientLimits) refill() time.Duration {
	return time.Duration(float64(l.burst) / float64(l.rate) * float64(time.Second))
}

// reserve takes a token for the client; when none is left it reports how long
// until one is.
func (l *clientLimits) reserve(client [32]byte, now time.Time) (ok bool, wait time.Duration) {
	l.mu.Lock()
	b := l.clients[client]
	if b == nil {
		if len(l.clients) >= maxClients || l.sweeps >= maxClients {
			l.sweep(now)
		}
		if len(l.clients) < maxClients {
			b = &clientBucket{lim: rate.NewLimiter(l.rate, l.burst)}
			l.clients[client] = b
		}
	}
	l.sweeps++
	lim := l.overflow
	if b != nil {
		b.seen = now
		lim = b.lim
	}
	l.mu.Unlock()
	r := lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// sweep forgets clients idle long enough for their bucket to be full again.
func (l *clientLimits) sweep(now time.Time) {
	idle := l.refill()
	for k, b := range l.clients {
		if now.Sub(b.seen) > idle {
			delete(l.clients, k)
		}
	}
	l.sweeps = 0
}

// clientKey names the client of a request: its bearer token when tokens are
// required (tokenAuth has checked it by then), else its address. Without
// configured tokens anyone could send a new made-up token with every request.
func clientKey(r *http.Request, tokens *tokenSet) [32]byte {
	if tok, ok := bearerToken(r.Header.Get("Authorization")); ok && tokens.required() {
		return sha256.Sum256([]byte("token\x00" + tok))
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return sha256.Sum256([]byte("addr\x00" + host))
}

// rateLimit answers 429 with Retry-After to a client over its rate on the routes
// that fetch or write (see guarded): they are what costs the server work, while
// reading stories and pages stays unlimited. A zero rate turns it off.
func rateLimit(l *clientLimits, tokens *tokenSet) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			r := c.Request()
			if l == nil || !guarded(r) {
				return next(c)
			}
			ok, wait := l.reserve(clientKey(r, tokens), time.Now())
			if !ok {
				secs := int(math.Ceil(wait.Seconds()))
				c.Response().Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
				return &apiError{http.StatusTooManyRequests, "rate_limited",
					"Too many lookups from this client; wait " + strconv.Itoa(max(secs, 1)) + " s (see Retry-After)."}
			}
			return next(c)
		}
	}
}
