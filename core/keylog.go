package core

import (
	"io"
	"os"
	"sync"
)

// KeyLogEnv is the environment variable that, when set to a path, makes
// every connection of the process append its TLS secrets to that file in the
// NSS key log format, which Wireshark reads to decrypt captured traffic.
// curl, Firefox, Chrome, Python and Node honour the same variable.
//
// Anyone who can read the file can decrypt every connection it logs: set it
// only while debugging, never in production. It is read once per process,
// at the first connect; when it is unset (the default) nothing is logged.
const KeyLogEnv = "SSLKEYLOGFILE"

// keyLog is the process's one key log writer, opened at the first connect.
var keyLog struct {
	once sync.Once
	w    io.Writer // nil when SSLKEYLOGFILE is unset or cannot be opened
}

// lockedWriter serializes whole lines from concurrent handshakes.
type lockedWriter struct {
	mu sync.Mutex
	f  *os.File
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Write(p)
}

// keyLogWriter returns the process's key log writer, or nil when key
// logging is off. The file is opened for appending and created readable by
// its owner only (0600); a file that cannot be opened means no key log (a
// debugging aid must not break connections).
func keyLogWriter() io.Writer {
	keyLog.once.Do(func() {
		path := os.Getenv(KeyLogEnv)
		if path == "" {
			return
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return
		}
		keyLog.w = &lockedWriter{f: f}
	})
	return keyLog.w
}

// KeyLogging reports whether this process logs TLS secrets (SSLKEYLOGFILE
// was set and its file could be opened). It opens the file if no connect
// has yet.
func KeyLogging() bool {
	return keyLogWriter() != nil
}
