package core

// Fetching revocation data over plain HTTP: bounded in time and size, one
// fetch shared by every caller that needs the same URL at once.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// flight is one fetch that callers with the same key share, so a hundred
// sockets connecting at once to one server cause one CRL download.
type flight struct {
	done chan struct{}
	val  any
	err  error
}

// share runs fn once per key at a time, detached from the callers: fn gets
// its own context bounded by the fetch timeout. Each caller waits for the
// result or for its own ctx, whichever comes first.
func (rc *RevocationChecker) share(ctx context.Context, key string, fn func(context.Context) (any, error)) (any, error) {
	rc.mu.Lock()
	f, ok := rc.inflight[key]
	if !ok {
		f = &flight{done: make(chan struct{})}
		rc.inflight[key] = f
		go func() {
			fctx, cancel := context.WithTimeout(context.Background(), rc.fetchTimeout)
			defer cancel()
			f.val, f.err = fn(fctx)
			rc.mu.Lock()
			delete(rc.inflight, key)
			rc.mu.Unlock()
			close(f.done)
		}()
	}
	rc.mu.Unlock()
	select {
	case <-f.done:
		return f.val, f.err
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, errors.New("no answer within the connect timeout")
		}
		return nil, errors.New("the connect attempt ended first")
	}
}

var errTooLarge = errors.New("response too large")

// fetch makes one HTTP request and returns the body of a 200 response, at
// most limit bytes.
func (rc *RevocationChecker) fetch(ctx context.Context, method, u string, body []byte, limit int64) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/ocsp-request")
		req.Header.Set("Accept", "application/ocsp-response")
	}
	resp, err := rc.client.Do(req)
	if err != nil {
		return nil, plainFetchError(err)
	}
	// Closing without draining drops the connection: right for a server
	// that sends more than asked for.
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP status %s", resp.Status)
	}
	if resp.ContentLength > limit {
		return nil, fmt.Errorf("%w: %d bytes announced, the limit is %d", errTooLarge, resp.ContentLength, limit)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: more than %d bytes", errTooLarge, limit)
	}
	if err != nil {
		return nil, plainFetchError(err)
	}
	return data, nil
}

// plainFetchError words a transport error without Go's "Post \"url\":"
// prefix; the detail already names the URL.
func plainFetchError(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return errors.New("timed out")
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return errors.New("timed out")
		}
		return ue.Err
	}
	return err
}
