package sqlite

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// ErrLocked is wrapped by the error of Open and Migrate when another
// process (or another open DB in this one) holds the database's writer
// lock: kassa is the only writer of its SQLite file.
var ErrLocked = errors.New("the database is in use by another kassa process")

// LockPath is the lock file of the database at path: path + ".lock", in the
// same (data) directory. Its content is the PID of the process holding it.
func LockPath(path string) string { return path + ".lock" }

// dirLock is an exclusive flock(2) on the lock file, held from Open to
// Close. flock locks belong to the open file description, so a second Open
// in the same process conflicts too, and the kernel releases the lock when
// the process dies, however it dies: a stale lock file (its PID long gone)
// never keeps kassa from starting.
type dirLock struct {
	f *os.File
}

// lockWriter takes the writer lock of the database at path without
// waiting, and writes this process's PID into the lock file. When another
// holds it, the error wraps ErrLocked and names the holder's PID as its
// lock file says.
func lockWriter(path string) (*dirLock, error) {
	name := LockPath(path)
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open the lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s is locked by %s; stop it first (kassa serve, migrate and restore each need the database to themselves; verify and backup can run beside them)", ErrLocked, name, holder(name))
		}
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	if err := writePID(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("write the lock file %s: %w", name, err)
	}
	return &dirLock{f: f}, nil
}

// writePID replaces the lock file's content by this process's PID.
func writePID(f *os.File) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return err
}

// holder names the process its lock file names ("process 1234"), or says
// it is unknown (the holder may not have written its PID yet).
func holder(name string) string {
	b, err := os.ReadFile(name)
	if err != nil {
		return "another process"
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return "another process"
	}
	if pid == os.Getpid() {
		return fmt.Sprintf("this process (PID %d)", pid)
	}
	return fmt.Sprintf("process %d", pid)
}

// release drops the lock. The file stays: removing it would let a process
// that opened it before the removal lock a file no one else sees.
func (l *dirLock) release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}
