package lab

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// RemoveAll removes path and what it holds, as os.RemoveAll does. On
// Windows, where os.RemoveAll fails, it removes each entry with os.Remove,
// deepest first: since Go 1.26 os.RemoveAll deletes through NtOpenFile and
// FileDispositionInformation calls that wine 8 does not implement
// ("unlinkat ...: Invalid function."), while os.Remove (DeleteFile,
// RemoveDirectory) works there. The lab, and the tests that use it for their
// temporary directories, clean up with it so that they also run under wine
// (make test-windows).
func RemoveAll(path string) error {
	err := os.RemoveAll(path)
	if err == nil || runtime.GOOS != "windows" {
		return err
	}
	var paths []string
	if werr := filepath.WalkDir(path, func(p string, _ fs.DirEntry, err error) error {
		if err == nil {
			paths = append(paths, p)
		}
		return err
	}); werr != nil {
		return err
	}
	for i := len(paths) - 1; i >= 0; i-- { // children after their parent in WalkDir's order
		if rerr := os.Remove(paths[i]); rerr != nil && !os.IsNotExist(rerr) {
			return rerr
		}
	}
	return nil
}
