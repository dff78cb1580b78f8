// loadgen: the load generator for bench/run. Loopback only; every loop is bounded
// in count and in time. Prints one JSON object on stdout; exits 1 if the run failed
// (any byte echoed wrong, a connection lost, or nothing measured).
//
//	-mode rr    N connections, each doing request/response round trips of -size bytes
//	            for -dur; every echoed byte checked; round trips/s, p50/p99 latency
//	-mode bulk  one connection, -bytes streamed both ways at once, every byte checked
//	-mode hold  -conns idle connections opened and held, then each must still echo
//	-mode udp   N clients, -size-byte datagrams for -dur, -timeout per request; loss
//
// With -pid, the server's CPU (utime+stime from /proc/PID/stat, over the measured
// window) and RSS (VmRSS from /proc/PID/status at its end) are reported too.
package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

var (
	mode    = flag.String("mode", "rr", "rr | bulk | hold | udp")
	addr    = flag.String("addr", "127.0.0.1:7", "server address (loopback)")
	conns   = flag.Int("conns", 10, "connections (rr, hold) or clients (udp)")
	size    = flag.Int("size", 64, "payload bytes per request")
	dur     = flag.Duration("dur", 3*time.Second, "timed window (rr, udp)")
	total   = flag.Int64("bytes", 100<<20, "bytes each way (bulk)")
	timeout = flag.Duration("timeout", 200*time.Millisecond, "per-request timeout (udp)")
	hold    = flag.Duration("hold", 2*time.Second, "how long connections sit idle (hold)")
	limit   = flag.Duration("limit", 120*time.Second, "hard limit on the whole run")
	pid     = flag.Int("pid", 0, "server PID for CPU and RSS")
)

const ioTimeout = 10 * time.Second
const maxSamples = 4_000_000

// pattern[i%251] is the byte at stream offset i: a period prime to every chunk size.
var pattern = func() []byte {
	p := make([]byte, 251+(1<<17))
	for i := range p {
		p[i] = byte(i%251) ^ 0x5a
	}
	return p
}()

type result map[string]any

// -- server CPU and memory ------------------------------------------------------------

func cpuTicks() int64 {
	if *pid == 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", *pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	// after "pid (comm) ": state=0 ... utime=11, stime=12
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return u + st
}

func rssKiB() int64 {
	if *pid == 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", *pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			v, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			return v
		}
	}
	return 0
}

type window struct {
	t0    time.Time
	ticks int64
}

func startWindow() window { return window{time.Now(), cpuTicks()} }

// finish adds secs, server_cpu (cores busy: 1.0 = one core) and server_rss_mib.
func (w window) finish(r result) float64 {
	secs := time.Since(w.t0).Seconds()
	r["secs"] = secs
	if *pid != 0 {
		r["server_cpu"] = float64(cpuTicks()-w.ticks) / 100.0 / secs // CLK_TCK = 100
		r["server_rss_mib"] = float64(rssKiB()) / 1024.0
	}
	return secs
}

// -- helpers ----------------------------------------------------------------------------

func fill(buf []byte, seed int) {
	for i := range buf {
		buf[i] = byte(seed+i*7) ^ byte(i>>8)
	}
}

func percentiles(lat []time.Duration) (float64, float64) {
	if len(lat) == 0 {
		return 0, 0
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	at := func(q float64) float64 {
		i := int(q * float64(len(lat)-1))
		return float64(lat[i].Microseconds())
	}
	return at(0.50), at(0.99)
}

func dial() (net.Conn, error) {
	return net.DialTimeout("tcp", *addr, ioTimeout)
}

// -- modes ------------------------------------------------------------------------------

func runRR() (result, error) {
	n := *conns
	cs := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range cs {
			c.Close()
		}
	}()
	for i := 0; i < n; i++ {
		c, err := dial()
		if err != nil {
			return nil, fmt.Errorf("connection %d: %w", i, err)
		}
		cs = append(cs, c)
	}
	var rounds, bad int64
	var mu sync.Mutex
	var all []time.Duration
	var firstErr error
	var wg sync.WaitGroup
	var start sync.WaitGroup
	start.Add(1)
	// warm-up: one round trip each, outside the window
	for i, c := range cs {
		if err := roundTrip(c, make([]byte, *size), make([]byte, *size), i); err != nil {
			return nil, fmt.Errorf("warm-up on connection %d: %w", i, err)
		}
	}
	w := startWindow()
	deadline := w.t0.Add(*dur)
	for i, c := range cs {
		wg.Add(1)
		go func(i int, c net.Conn) {
			defer wg.Done()
			out, in := make([]byte, *size), make([]byte, *size)
			lat := make([]time.Duration, 0, 4096)
			var err error
			for seq := 1; time.Now().Before(deadline); seq++ {
				t := time.Now()
				if err = roundTrip(c, out, in, i*131+seq); err != nil {
					break
				}
				if len(lat) < maxSamples/n {
					lat = append(lat, time.Since(t))
				}
				atomic.AddInt64(&rounds, 1)
			}
			mu.Lock()
			all = append(all, lat...)
			if err != nil {
				bad++
				if firstErr == nil {
					firstErr = fmt.Errorf("connection %d: %w", i, err)
				}
			}
			mu.Unlock()
		}(i, c)
	}
	start.Done()
	wg.Wait()
	r := result{}
	secs := w.finish(r)
	p50, p99 := percentiles(all)
	r["round_trips"] = rounds
	r["rt_per_s"] = float64(rounds) / secs
	r["p50_us"], r["p99_us"] = p50, p99
	r["failed_conns"] = bad
	return r, firstErr
}

var errMismatch = errors.New("echoed bytes differ from those sent")

func roundTrip(c net.Conn, out, in []byte, seed int) error {
	fill(out, seed)
	c.SetDeadline(time.Now().Add(ioTimeout))
	if _, err := c.Write(out); err != nil {
		return err
	}
	if _, err := io.ReadFull(c, in); err != nil {
		return err
	}
	if !bytes.Equal(in, out) {
		return errMismatch
	}
	return nil
}

func runBulk() (result, error) {
	c, err := dial()
	if err != nil {
		return nil, err
	}
	defer c.Close()
	n := *total
	c.SetDeadline(time.Now().Add(*limit))
	w := startWindow()
	werr := make(chan error, 1)
	go func() {
		const chunk = 64 << 10
		for off := int64(0); off < n; {
			k := int64(chunk)
			if n-off < k {
				k = n - off
			}
			p := off % 251
			if _, err := c.Write(pattern[p : p+k]); err != nil {
				werr <- err
				return
			}
			off += k
		}
		werr <- nil
	}()
	buf := make([]byte, 1<<17)
	var got int64
	for got < n {
		want := int64(len(buf))
		if n-got < want {
			want = n - got
		}
		k, err := c.Read(buf[:want])
		if k > 0 {
			p := got % 251
			if !bytes.Equal(buf[:k], pattern[p:p+int64(k)]) {
				return nil, fmt.Errorf("at offset %d: %w", got, errMismatch)
			}
			got += int64(k)
		}
		if err != nil {
			return nil, fmt.Errorf("after %d bytes back: %w", got, err)
		}
	}
	if err := <-werr; err != nil {
		return nil, err
	}
	r := result{}
	secs := w.finish(r)
	r["bytes_each_way"] = n
	r["mb_per_s"] = float64(n) / 1e6 / secs // MB each way per second
	return r, nil
}

func runHold() (result, error) {
	n := *conns
	cs := make([]net.Conn, n)
	defer func() {
		for _, c := range cs {
			if c != nil {
				c.Close()
			}
		}
	}()
	w := startWindow()
	var dialFail int64
	var firstErr error
	var mu sync.Mutex
	var wg sync.WaitGroup
	const workers = 32
	for wk := 0; wk < workers; wk++ {
		wg.Add(1)
		go func(wk int) {
			defer wg.Done()
			for i := wk; i < n; i += workers {
				if time.Since(w.t0) > *limit/2 {
					atomic.AddInt64(&dialFail, 1)
					continue
				}
				c, err := dial()
				if err != nil {
					atomic.AddInt64(&dialFail, 1)
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("dial %d: %w", i, err)
					}
					mu.Unlock()
					continue
				}
				cs[i] = c
			}
		}(wk)
	}
	wg.Wait()
	opened := time.Since(w.t0).Seconds()
	time.Sleep(*hold)
	rssHeld := float64(rssKiB()) / 1024.0
	t1 := time.Now()
	var echoed, echoFail int64
	for wk := 0; wk < workers*4; wk++ {
		wg.Add(1)
		go func(wk int) {
			defer wg.Done()
			out, in := make([]byte, 16), make([]byte, 16)
			for i := wk; i < n; i += workers * 4 {
				if cs[i] == nil {
					continue
				}
				if err := roundTrip(cs[i], out, in, i); err != nil {
					atomic.AddInt64(&echoFail, 1)
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("echo on held connection %d: %w", i, err)
					}
					mu.Unlock()
					continue
				}
				atomic.AddInt64(&echoed, 1)
			}
		}(wk)
	}
	wg.Wait()
	r := result{}
	w.finish(r)
	r["server_rss_mib"] = rssHeld // memory while all n were held idle
	r["conns"] = n
	r["dial_failed"] = dialFail
	r["echo_failed"] = echoFail
	r["echoed"] = echoed
	r["open_secs"] = opened
	r["echo_secs"] = time.Since(t1).Seconds()
	if echoed != int64(n) && firstErr == nil {
		firstErr = fmt.Errorf("only %d of %d held connections echoed", echoed, n)
	}
	return r, firstErr
}

func runUDP() (result, error) {
	n := *conns
	if *size < 8 {
		return nil, errors.New("udp needs -size of at least 8 (sequence number)")
	}
	cs := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range cs {
			c.Close()
		}
	}()
	for i := 0; i < n; i++ {
		c, err := net.Dial("udp", *addr)
		if err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	var rounds, lost, bad int64
	var mu sync.Mutex
	var all []time.Duration
	var wg sync.WaitGroup
	w := startWindow()
	deadline := w.t0.Add(*dur)
	for i, c := range cs {
		wg.Add(1)
		go func(i int, c net.Conn) {
			defer wg.Done()
			out, in := make([]byte, *size), make([]byte, *size+1)
			lat := make([]time.Duration, 0, 4096)
			for seq := uint64(1); time.Now().Before(deadline); seq++ {
				fill(out, i*131+int(seq))
				binary.BigEndian.PutUint64(out, seq)
				t := time.Now()
				if _, err := c.Write(out); err != nil {
					atomic.AddInt64(&lost, 1)
					continue
				}
				c.SetReadDeadline(t.Add(*timeout))
				for {
					k, err := c.Read(in)
					if err != nil {
						atomic.AddInt64(&lost, 1) // timed out: counted lost
						break
					}
					if k >= 8 && binary.BigEndian.Uint64(in) != seq {
						continue // a late answer to an earlier, already-lost request
					}
					if k != len(out) || !bytes.Equal(in[:k], out) {
						atomic.AddInt64(&bad, 1)
						break
					}
					if len(lat) < maxSamples/n {
						lat = append(lat, time.Since(t))
					}
					atomic.AddInt64(&rounds, 1)
					break
				}
			}
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		}(i, c)
	}
	wg.Wait()
	r := result{}
	secs := w.finish(r)
	p50, p99 := percentiles(all)
	r["round_trips"] = rounds
	r["rt_per_s"] = float64(rounds) / secs
	r["p50_us"], r["p99_us"] = p50, p99
	r["lost"] = lost
	r["mismatched"] = bad
	var err error
	if bad > 0 {
		err = fmt.Errorf("%d datagrams echoed wrong", bad)
	} else if rounds == 0 {
		err = errors.New("no datagram came back")
	}
	return r, err
}

func main() {
	flag.Parse()
	host, _, err := net.SplitHostPort(*addr)
	if err != nil || !net.ParseIP(host).IsLoopback() {
		fmt.Fprintln(os.Stderr, "loadgen: -addr must be a loopback address, e.g. 127.0.0.1:PORT")
		os.Exit(2)
	}
	go func() { // the hard limit on the whole run
		time.Sleep(*limit)
		fmt.Fprintf(os.Stderr, "loadgen: %s limit reached\n", *limit)
		os.Exit(3)
	}()
	var r result
	switch *mode {
	case "rr":
		r, err = runRR()
	case "bulk":
		r, err = runBulk()
	case "hold":
		r, err = runHold()
	case "udp":
		r, err = runUDP()
	default:
		fmt.Fprintln(os.Stderr, "loadgen: unknown -mode", *mode)
		os.Exit(2)
	}
	if r == nil {
		r = result{}
	}
	r["mode"] = *mode
	r["ok"] = err == nil
	if err != nil {
		r["error"] = err.Error()
	}
	json.NewEncoder(os.Stdout).Encode(r)
	if err != nil {
		os.Exit(1)
	}
}
