package tlsconn

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"math/rand/v2"
	"net"
	"testing"
	"time"

	"github.com/netman-go/netman/framing"
)

// splitConn writes what it is given in pieces of the listed sizes (cycled),
// one system call each, so the server's reads split records at odd places.
type splitConn struct {
	net.Conn
	sizes []int
	i     int
}

func (c *splitConn) Write(b []byte) (int, error) {
	total := 0
	for len(b) > 0 {
		n := min(c.sizes[c.i%len(c.sizes)], len(b))
		c.i++
		k, err := c.Conn.Write(b[:n])
		total += k
		if err != nil {
			return total, err
		}
		b = b[n:]
	}
	return total, nil
}

// dialSplit connects a crypto/tls client whose ciphertext goes out in
// pieces of the given sizes.
func dialSplit(t testing.TB, addr string, cfg *tls.Config, sizes []int) *tls.Conn {
	t.Helper()
	if cfg == nil {
		cfg = clientConfig()
	}
	raw, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c := tls.Client(&splitConn{Conn: raw, sizes: sizes}, cfg)
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(60 * time.Second))
	if err := c.Handshake(); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestByteByByte(t *testing.T) {
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		t.Run(tls.VersionName(v), func(t *testing.T) {
			ns, _ := startTLS(t, serverConfig(), newEcho(), nil)
			cfg := clientConfig()
			cfg.MaxVersion = v
			c := dialSplit(t, ns.Addr().String(), cfg, []int{1})
			for i, n := range []int{1, 10, 300, 2000} {
				roundTrip(t, c, uint32(i), bytes.Repeat([]byte{byte(i)}, n))
			}
		})
	}
}

func TestOddSplits(t *testing.T) {
	ns, _ := startTLS(t, serverConfig(), newEcho(), nil)
	c := dialSplit(t, ns.Addr().String(), nil, []int{7, 1, 13, 4093, 3, 16389, 2, 65537, 5})
	rng := rand.New(rand.NewPCG(1, 2))
	for i, n := range []int{0, 1, 7, 8, 16376, 16377, 16384, 33000, 100003, 250001} {
		msg := make([]byte, n)
		for j := range msg {
			msg[j] = byte(rng.Uint32())
		}
		roundTrip(t, c, uint32(i), msg)
	}
}

// TestManyMessagesInOneRecord sends a thousand small messages with one
// write (so dozens share each record) and checks every echo.
func TestManyMessagesInOneRecord(t *testing.T) {
	ns, _ := startTLS(t, serverConfig(), newEcho(), nil)
	c := dialTLS(t, ns.Addr().String(), nil)
	var batch []byte
	for i := 0; i < 1000; i++ {
		var err error
		batch, err = framing.Default.AppendPack(batch, uint32(i), bytes.Repeat([]byte{byte(i)}, i%300))
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Write(batch); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 1000; i++ {
		id, payload, err := framing.ReadMessage(c, framing.Default, 0)
		if err != nil {
			t.Fatal(err)
		}
		if id != uint32(i) || !bytes.Equal(payload, bytes.Repeat([]byte{byte(i)}, i%300)) {
			t.Fatalf("message %d: got id %d, %d bytes", i, id, len(payload))
		}
	}
}

// TestHugeMessage echoes one 100 MiB message: a multi-record Write that must
// reach netpoll as one all-or-nothing write, and a TLS 1.3 client that
// streams right behind its Finished (the handshake buffer pauses reading).
func TestHugeMessage(t *testing.T) {
	size := 100 << 20
	if testing.Short() {
		size = 8 << 20
	}
	h := newEcho()
	ns, _ := startTLS(t, serverConfig(), h, nil)
	c := dialTLS(t, ns.Addr().String(), nil)
	msg := make([]byte, size)
	for i := 0; i < len(msg); i += 4096 {
		msg[i] = byte(i / 4096)
	}
	want := sha256.Sum256(msg)
	werr := make(chan error, 1)
	go func() { werr <- framing.WriteMessage(c, framing.Default, 42, msg) }()
	id, got, err := framing.ReadMessage(c, framing.Default, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-werr; err != nil {
		t.Fatal(err)
	}
	if id != 42 || len(got) != len(msg) || sha256.Sum256(got) != want {
		t.Fatalf("echo differs: id %d, %d bytes", id, len(got))
	}
	roundTrip(t, c, 43, []byte("after the big one"))
}
