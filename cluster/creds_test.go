package cluster_test

import (
	"fmt"
	"testing"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/netman-go/netman/cluster"
)

// TestExternalCredentials: WithNATS with credentials passed through
// WithNATSOptions; without them New fails with the server's error.
func TestExternalCredentials(t *testing.T) {
	ns, err := newEmbedded(&natsserver.Options{Host: "127.0.0.1", Port: natsserver.RANDOM_PORT, NoLog: true,
		Username: "netman", Password: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Shutdown)
	url := fmt.Sprintf("nats://%s", ns.Addr())
	n := startNode(t, "creds", cluster.WithNATS(url), cluster.WithNATSOptions(nats.UserInfo("netman", "s3cret")))
	if n.c.EmbeddedNATS() != nil {
		t.Fatal("an embedded server was started beside WithNATS")
	}
	a := dial(t, n, "a")
	a.do(msgLogin, "ann")
	sendSeq(t, "c", 3, func(p []byte) error { return n.c.SendToUser("ann", msgData, p) })
	expectSeq(t, a, "c", 3, false)

	if _, err := cluster.New(n.tcp, cluster.WithNATS(url)); err == nil {
		t.Fatal("New without credentials succeeded")
	}
}
