package conformance

import (
	"fmt"
	"strings"
)

const negotiated = "permessage-deflate; server_no_context_takeover; client_no_context_takeover"

// compressible returns n bytes of text that deflate shrinks.
func compressible(n, seed int) string {
	words := []string{"alpha ", "beta ", "gamma ", "delta ", "kosme ", "epsilon "}
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		b.WriteString(words[(i*7+seed)%len(words)])
	}
	return b.String()[:n]
}

// deflateCases model Autobahn groups 12 (permessage-deflate echo, various sizes) and 13
// (negotiation parameters). The client compresses what it sends; the suite decompresses what the
// server sends and checks the server compressed when it should.
func deflateCases() []Case {
	deflate := Config{Deflate: true, DeflateThreshold: 16}
	var cs []Case
	sizes := []int{16, 64, 256, 1024, 4096, 8192, 16384, 32768, 65536, 131072}
	for i, n := range sizes {
		var st []step
		var want []frame
		var wantBin []frame
		var stBin []step
		for m := 0; m < 10; m++ {
			s := compressible(n, m)
			st = append(st, send(compressed(1, []byte(s))))
			want = append(want, eText(s))
			stBin = append(stBin, send(compressed(2, []byte(s))))
			wantBin = append(wantBin, eBinary([]byte(s)))
		}
		check, note := allCompressed, ""
		if n < 64 {
			check, note = nil, "the server sends a message uncompressed when deflate does not make it smaller, as here"
		}
		cs = append(cs,
			Case{ID: "12.1." + itoa(i+1), Desc: fmt.Sprintf("10 compressed text messages of %d bytes", n), steps: st, want: want, close: 1000,
				Config: deflate, offer: "permessage-deflate", wantExt: negotiated, check: check, Note: note},
			Case{ID: "12.2." + itoa(i+1), Desc: fmt.Sprintf("10 compressed binary messages of %d bytes", n), steps: stBin, want: wantBin, close: 1000,
				Config: deflate, offer: "permessage-deflate", wantExt: negotiated, check: check, Note: note},
		)
	}
	// Uncompressed messages and invalid uses of RSV1 on a deflate connection.
	cs = append(cs,
		Case{ID: "12.5.1", Desc: "uncompressed text message on a deflate connection", steps: steps(text("plain")),
			want: frames(eText("plain")), close: 1000, Config: deflate, offer: "permessage-deflate", wantExt: negotiated},
		Case{ID: "12.5.2", Desc: "compressed message with RSV1 on a continuation frame", steps: steps(fr(1, false, 4, nil), fr(0, true, 4, nil)),
			close: 1002, Config: deflate, offer: "permessage-deflate", wantExt: negotiated},
		Case{ID: "12.5.3", Desc: "compressed ping (RSV1 on a control frame)", steps: steps(fr(9, true, 4, nil)),
			close: 1002, Config: deflate, offer: "permessage-deflate", wantExt: negotiated},
		Case{ID: "12.5.4", Desc: "compressed text that inflates to invalid UTF-8", steps: steps(compressed(1, []byte("ok\xff"))),
			close: 1007, Config: deflate, offer: "permessage-deflate", wantExt: negotiated},
		Case{ID: "12.5.5", Desc: "compressed message inflating past the 64 KiB limit", steps: steps(compressed(2, make([]byte, 1<<20))),
			close: 1009, Config: Config{MaxMessageSize: 64 << 10, Deflate: true, DeflateThreshold: 16}, offer: "permessage-deflate", wantExt: negotiated},
	)
	for id, o := range map[string]struct{ offer, want, note string }{
		"13.1": {"permessage-deflate", negotiated, ""},
		"13.2": {"permessage-deflate; client_no_context_takeover", negotiated, ""},
		"13.3": {"permessage-deflate; server_max_window_bits=8", negotiated + "; server_max_window_bits=8",
			"compress/flate always uses a 32 KiB window, so with server_max_window_bits=N only messages of at most 2^N bytes are compressed (a fresh compressor cannot reach further back); larger ones are sent uncompressed"},
		"13.4": {"permessage-deflate; server_max_window_bits=15", negotiated + "; server_max_window_bits=15", ""},
		"13.5": {"permessage-deflate; client_no_context_takeover; server_max_window_bits=8", negotiated + "; server_max_window_bits=8", "see 13.3"},
		"13.6": {"permessage-deflate; client_no_context_takeover; server_max_window_bits=15", negotiated + "; server_max_window_bits=15", ""},
		"13.7": {"permessage-deflate; server_max_window_bits=8; client_no_context_takeover, permessage-deflate; client_no_context_takeover, permessage-deflate",
			negotiated + "; server_max_window_bits=8", "the first acceptable offer wins"},
		"13.8": {"permessage-deflate; server_max_window_bits=7, permessage-deflate; bogus=1, permessage-deflate; client_max_window_bits",
			negotiated, "not in Autobahn: offers with invalid parameters are declined and the next offer is taken"},
		"13.9": {"permessage-deflate; server_max_window_bits=7", "", "not in Autobahn: the only offer is invalid, so no extension is negotiated"},
	} {
		for i, n := range []int{64, 256, 4096} {
			var st []step
			var want []frame
			for m := 0; m < 5; m++ {
				s := compressible(n, m)
				if o.want == "" {
					st = append(st, send(text(s)))
				} else {
					st = append(st, send(compressed(1, []byte(s))))
				}
				want = append(want, eText(s))
			}
			tc := Case{ID: id + "." + itoa(i+1), Desc: fmt.Sprintf("offer %q, 5 messages of %d bytes", o.offer, n),
				steps: st, want: want, close: 1000, Config: deflate, offer: o.offer, wantExt: o.want, Note: o.note}
			switch {
			case o.want == "":
				tc.check = noneCompressed
			case strings.Contains(o.want, "bits=8") && n > 256:
				tc.check = noneCompressed
			default:
				tc.check = allCompressed
			}
			cs = append(cs, tc)
		}
	}
	sortCases(cs)
	return cs
}

func allCompressed(fs []frame) error {
	for i, f := range fs {
		if (f.op == 1 || f.op == 2) && f.rsv != 4 {
			return fmt.Errorf("frame %d of %d bytes not compressed", i, len(f.payload))
		}
	}
	return nil
}

func noneCompressed(fs []frame) error {
	for i, f := range fs {
		if f.rsv != 0 {
			return fmt.Errorf("frame %d compressed", i)
		}
	}
	return nil
}
