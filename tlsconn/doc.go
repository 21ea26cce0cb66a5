// Package tlsconn serves TLS 1.2 and 1.3 on netpoll's event loops with
// crypto/tls, without a goroutine per connection.
//
// A [Server] is a netpoll.Handler: give it a *tls.Config and a [Handler]
// that works on plaintext, and pass it to netpoll.NewServer. The Handler has
// netpoll's contract (OnOpen, OnData with a consumed count, OnClose) and its
// [Conn] has the methods of *netpoll.Conn (Write, Writev, Close, CloseNow,
// CloseWithError, Context, SetContext, addresses, PauseReading,
// ResumeReading, Pending), so a layer above can serve TLS and plain
// connections with the same code.
//
// The *tls.Config is used as given: certificates or GetCertificate (SNI),
// GetConfigForClient, NextProtos (ALPN), ClientAuth and ClientCAs, session
// tickets. Certificates can be replaced without a restart through
// GetCertificate, which is asked on every handshake (see the example).
//
// # How crypto/tls runs on a loop
//
// crypto/tls is written for blocking connections. Two of its properties make
// it usable on a reactor:
//
//   - After the handshake, a record read that fails with a net.Error whose
//     Temporary() is true is retryable: the partial record stays buffered in
//     the tls.Conn and the connection is not poisoned. So the loop feeds each
//     read's ciphertext to the tls.Conn and calls Read until it returns that
//     error ("no more input"); the plaintext goes to the Handler. No
//     goroutine is involved.
//   - A failed handshake is final, whatever the error. So the handshake runs
//     on a short-lived goroutine that blocks on an in-memory buffer the loop
//     fills. The goroutine is started only once the first record (the
//     ClientHello) is complete, so a connection that trickles or sends
//     nothing holds no goroutine, and bytes that cannot start a TLS
//     handshake (a plaintext HTTP request, say) are refused on the loop at
//     once ([ErrNotTLS]). At most [WithMaxHandshakes] handshakes run at a
//     time; up to [WithHandshakeQueue] more wait, without a goroutine, and
//     further ones are refused. Every connection must complete its handshake
//     within [WithHandshakeTimeout] of its accept. Failures are logged through
//     [WithErrorLog] and never reach the Handler.
//
// The handshake goroutine hands its outcome back with netpoll.Conn.Execute,
// and the handshake deadline is netpoll.Conn.CloseAfter on the loop's timing
// wheel, so every Handler call of a connection (OnOpen included, and the
// delivery of plaintext held back by PauseReading) runs on its loop, in
// order, and no timer or lock hand-off exists per connection.
//
// # Writes
//
// [Conn.Write] is all-or-nothing and never blocks, like netpoll's: crypto/tls
// seals the plaintext into records (one Write call on the connection per
// record), tlsconn collects them and hands them to netpoll with one write, in
// the order they were sealed, even with many concurrent writers. Sealed
// records cannot be taken back (the next record's sequence number depends on
// them), so the pending-write bound is checked before sealing with an upper
// bound of the ciphertext size, against the bound of the netpoll connection
// below (netpoll.WithMaxPendingWrite, read with netpoll.Conn.MaxPendingWrite:
// configured once). The ciphertext of a large write is
// sealed into a buffer made for it and handed to netpoll with WriteOwned, so
// it is held once, not copied again into netpoll's queue: a 100 MiB echo
// through netman peaks at about twice the message in RSS (the plaintext and
// its ciphertext).
//
// # Memory
//
// An established, idle connection holds no goroutine and no buffer of its
// own; what remains is crypto/tls's state. Measured on linux/amd64 with Go
// 1.26 (TestIdleMemory with TLSCONN_IDLE_CONNS=5000: TLS 1.3, ECDSA P-256,
// one small echo per connection): about 7.0 KB of heap per idle connection,
// netpoll's included. Half of it is crypto/tls's input buffers, sized
// during the handshake and kept for the life of the connection (about
// 2.2 KB for records and 1.4 KB for handshake messages: bytes.Buffers that
// are not reachable from outside); then the AES-GCM state of both
// directions (about 2 KB), the tls.Conn itself (0.9 KB), TLS 1.3 secrets
// kept for key export and updates (about 0.4 KB), a tlsconn.Conn (0.2 KB)
// and a netpoll.Conn. A connection that once received records of the
// maximum size keeps a record buffer of 16 to 32 KB instead (crypto/tls
// grows it by doubling and never shrinks it); tlsconn hands crypto/tls one
// record per read so that it never needs to hold more than one.
//
// # Limits
//
// Server side only. TLS 1.2 renegotiation is refused (as crypto/tls does for
// servers); TLS 1.3 key updates are answered. QUIC and 0-RTT data are not
// supported.
package tlsconn
