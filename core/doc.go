// Package core is securesocket's engine: ActionScript 3's flash.net.SecureSocket
// in Go. A Socket is a TLS client that connects only to servers whose
// certificate is valid and trusted for the host name, reports why it
// refused one (ServerCertificateStatus, and the ioError's Detail), and
// reads and writes typed values exactly as the AS3 runtime does.
//
// There is no switch that connects in spite of a certificate problem.
//
// Usage:
//
//	q := core.NewQueue()
//	s := core.New(q)
//	s.On(core.EventConnect, func(core.Event) { s.WriteUTF("hello"); s.Flush() })
//	s.On(core.EventSocketData, func(core.Event) { msg, _ := s.ReadUTF(); fmt.Println(msg) })
//	s.On(core.EventIOError, func(e core.Event) { fmt.Println(e.Text, e.Detail, s.ServerCertificateStatus()) })
//	s.Connect("example.net", 443)
//	for q.Dispatch(-1) > 0 { ... }
//
// Events never run on the socket's goroutines: they wait in a Sink (a Queue
// for Go programs) until the host takes them, so listeners run on the
// host's goroutine. Trust comes from the platform store; SSL_CERT_FILE and
// SSL_CERT_DIR are honoured on every platform (on Windows and macOS, when
// either is set, the store they name replaces the system's), read once per
// process, within the connect's timeout and with a size bound; see store.go.
package core
