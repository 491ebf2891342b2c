package lab

import (
	"fmt"
	"os"
	"path/filepath"
)

// SaveWithFallback saves the session's run to path. When that fails (a full
// disk, a directory that went away), the run is not thrown away: it is saved
// to a fallback path in the temporary directory and that path is returned
// with the first error, so the caller can say where it went.
func (s *Session) SaveWithFallback(path string) (saved string, err error) {
	err = s.Save(path)
	if err == nil {
		return path, nil
	}
	fb := filepath.Join(os.TempDir(), "lmlab-rescue-"+filepath.Base(path))
	if ferr := s.Save(fb); ferr != nil {
		return "", fmt.Errorf("%w; the fallback save to %s failed too: %v", err, fb, ferr)
	}
	return fb, err
}
