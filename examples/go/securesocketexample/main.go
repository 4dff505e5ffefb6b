// Command securesocketexample is the AIR 2 reference's SecureSocketExample in
// Go, run against the project's loopback lab: it connects to a trusted
// server, an expired one and one with the wrong host name, and prints each
// event with serverCertificateStatus, as the AS3 example traces them.
//
// With -lab FILE it uses a running lab's JSON map; without, it starts the
// lab in this process. Either way it trusts the lab only through
// SSL_CERT_FILE, the platform store variable.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/securesocket/securesocket/core"
	"github.com/securesocket/securesocket/tests/lab"
)

type labMap struct {
	Host   string         `json:"host"`
	CAFile string         `json:"ca_file"`
	Ports  map[string]int `json:"ports"`
}

func main() {
	labFile := flag.String("lab", "", "JSON map of a running lab (default: start one)")
	flag.Parse()

	var m labMap
	if *labFile != "" {
		b, err := os.ReadFile(*labFile)
		if err == nil {
			err = json.Unmarshal(b, &m)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "lab map:", err)
			os.Exit(2)
		}
	} else {
		l, err := lab.Start("")
		if err != nil {
			fmt.Fprintln(os.Stderr, "lab:", err)
			os.Exit(2)
		}
		defer l.Close()
		m = labMap{Host: l.Host, CAFile: l.CAFile, Ports: l.Ports}
	}
	os.Setenv("SSL_CERT_FILE", m.CAFile)

	q := core.NewQueue()
	for _, scenario := range []string{"trusted", "expired", "wrongHost"} {
		secureSocket := core.New(q)
		secureSocket.On(core.EventConnect, func(core.Event) {
			fmt.Printf("%-10s Connected. %s\n", scenario, secureSocket.ServerCertificateStatus())
		})
		secureSocket.On(core.EventIOError, func(e core.Event) {
			fmt.Printf("%-10s %s, %s\n           (%s)\n", scenario, e.Text, secureSocket.ServerCertificateStatus(), e.Detail)
		})
		if err := secureSocket.Connect(m.Host, m.Ports[scenario]); err != nil {
			fmt.Println(err)
			continue
		}
		if q.Dispatch(10*time.Second) == 0 {
			fmt.Printf("%-10s no event\n", scenario)
		}
		secureSocket.Close()
	}
}
