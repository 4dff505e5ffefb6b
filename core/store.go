package core

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// The platform trust store, read by this package rather than by
// crypto/x509 where Go would read files (Linux): Go reads SSL_CERT_FILE and
// SSL_CERT_DIR once per process, with no bound in time or size and without a
// word about a file it could not use, so a named pipe there hung every
// connect past its timeout and /dev/zero took the process down. Here every
// file is opened without blocking, must be a regular file of at most
// maxStoreFile bytes, and each connect waits for the store only within its
// own timeout; what could not be used is said in the detail of a connect
// whose server's chain does not reach a trusted root.
//
// SSL_CERT_FILE and SSL_CERT_DIR, when either is set, name the trust store
// on every platform, as they do for OpenSSL-based stacks (Python's ssl,
// curl) on Windows and macOS too: there, where Go would use the platform's
// own verifier (CryptoAPI, Security.framework) and ignore them, the store
// they name is read by the same bounded code (readNamedStore) and chains
// are verified by Go's own verifier against it. With neither set, those
// platforms keep their own verifier and store.

// Bounds of the platform store: a file (PEM bundles are a few hundred KiB)
// and the whole store.
const (
	maxStoreFile  = 16 << 20
	maxStoreTotal = 64 << 20
	maxStoreNotes = 8
)

// platformStore is the trust store as loaded once per process.
type platformStore struct {
	// pool holds the store's certificates; nil where the platform's own
	// verifier is used (Go's default on macOS and Windows when neither
	// SSL_CERT_FILE nor SSL_CERT_DIR is set).
	pool *x509.CertPool
	// notes say what of the store could not be used, and why.
	notes []string
}

func (st *platformStore) note(format string, args ...any) {
	if len(st.notes) < maxStoreNotes {
		st.notes = append(st.notes, fmt.Sprintf(format, args...))
	}
}

var (
	storeOnce   sync.Once
	storeDone   = make(chan struct{})
	storeLoaded *platformStore
)

// loadPlatformStore returns the platform store, reading it on first use in
// the background. It waits at most until ctx is done: a store that is slow
// to read costs a connect its timeout, never more, and the read goes on for
// the next connect.
func loadPlatformStore(ctx context.Context) (*platformStore, error) {
	storeOnce.Do(func() {
		go func() {
			storeLoaded = readPlatformStore()
			close(storeDone)
		}()
	})
	select {
	case <-storeDone:
		return storeLoaded, nil
	default:
	}
	select {
	case <-storeDone:
		return storeLoaded, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// errNotRegular is readStoreFile's refusal of anything but a regular file.
type errNotRegular struct{ kind string }

func (e errNotRegular) Error() string { return "is not a regular file (" + e.kind + ")" }

var errStoreTooLarge = fmt.Errorf("is larger than %d MiB", maxStoreFile>>20)

// readStoreFile reads a file of the store: opened without blocking (a named
// pipe would block the open), refused unless it is a regular file, read up
// to maxStoreFile bytes.
func readStoreFile(path string) ([]byte, error) {
	f, err := openNonBlocking(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, errNotRegular{fileKind(fi.Mode())}
	}
	if fi.Size() > maxStoreFile {
		return nil, errStoreTooLarge
	}
	data, err := io.ReadAll(io.LimitReader(f, maxStoreFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxStoreFile {
		return nil, errStoreTooLarge
	}
	return data, nil
}

func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return m.Type().String()
}

// storeError words why a file or directory of the store was not used.
func storeError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "does not exist"
	case errors.Is(err, fs.ErrPermission):
		return "cannot be read (permission denied)"
	case errors.As(err, new(errNotRegular)), errors.Is(err, errStoreTooLarge):
		return err.Error()
	}
	return "cannot be read: " + err.Error()
}

// readStoreFiles loads the store as crypto/x509 does on Linux: the first
// readable file of files (only SSL_CERT_FILE when it is set), then every
// file of dirs (SSL_CERT_DIR's when it is set), leaving out symbolic links
// that point within their directory (OpenSSL's hash links to a file read
// anyway). Unlike crypto/x509 it says what it could not use: always for
// what SSL_CERT_FILE and SSL_CERT_DIR name, and for a default location that
// exists but fails.
func readStoreFiles(files, dirs []string) *platformStore {
	st := &platformStore{pool: x509.NewCertPool()}
	total := 0
	fileEnv, dirEnv := os.Getenv("SSL_CERT_FILE"), os.Getenv("SSL_CERT_DIR")
	if fileEnv != "" {
		files = []string{fileEnv}
	}
	if dirEnv != "" {
		// ':' separates the directories on Unix, ';' on Windows (as
		// OpenSSL has it there), whose paths hold a ':' after the drive.
		dirs = filepath.SplitList(dirEnv)
	}
	name := func(path string) string {
		if fileEnv != "" {
			return "SSL_CERT_FILE " + path
		}
		return path
	}
	for _, f := range files {
		data, err := readStoreFile(f)
		if err != nil {
			if fileEnv != "" || !errors.Is(err, fs.ErrNotExist) {
				st.note("%s %s", name(f), storeError(err))
			}
			continue
		}
		total += len(data)
		if !st.pool.AppendCertsFromPEM(data) && fileEnv != "" {
			st.note("%s holds no PEM certificate", name(f))
		}
		break
	}
	for _, d := range dirs {
		dname := d
		if dirEnv != "" {
			dname = "SSL_CERT_DIR " + d
		}
		entries, err := os.ReadDir(d)
		if err != nil {
			if dirEnv != "" || !errors.Is(err, fs.ErrNotExist) {
				st.note("%s %s", dname, storeError(err))
			}
			continue
		}
		for _, e := range entries {
			if e.IsDir() || sameDirSymlink(d, e) {
				continue
			}
			path := d + string(os.PathSeparator) + e.Name()
			if total >= maxStoreTotal {
				st.note("%s: the store is over %d MiB; %s and later files were not read", dname, maxStoreTotal>>20, path)
				return st
			}
			data, err := readStoreFile(path)
			if err != nil {
				if dirEnv != "" {
					st.note("%s %s", path, storeError(err))
				}
				continue
			}
			total += len(data)
			st.pool.AppendCertsFromPEM(data)
		}
	}
	return st
}

func sameDirSymlink(dir string, e fs.DirEntry) bool {
	if e.Type()&fs.ModeSymlink == 0 {
		return false
	}
	target, err := os.Readlink(dir + string(os.PathSeparator) + e.Name())
	return err == nil && !strings.ContainsAny(target, "/"+string(os.PathSeparator))
}

// readNamedStore is the store SSL_CERT_FILE and SSL_CERT_DIR name, read by
// readStoreFiles with no default location, or nil when neither is set. It is
// the whole store where Go would otherwise use the platform's own verifier
// (store_other.go): a file or directory they name that cannot be used is
// reported exactly as on Linux, and nothing else is trusted.
func readNamedStore() *platformStore {
	if os.Getenv("SSL_CERT_FILE") == "" && os.Getenv("SSL_CERT_DIR") == "" {
		return nil
	}
	return readStoreFiles(nil, nil)
}

// storeWords is what a refusal for want of a trusted root adds about the
// store, or "".
func storeWords(notes []string) string {
	if len(notes) == 0 {
		return ""
	}
	return "; the platform trust store left out: " + strings.Join(notes, "; ")
}
