package har

import (
	"os"
	"syscall"
)

// openFile opens a file to read. os.Open registers every file it opens with the runtime's poller, which a
// regular file refuses: four fcntl and epoll calls for nothing, per file. A HAR is opened once its path was
// found to be a regular file (readHAR), so it is opened as os.NewFile takes a descriptor: without the poller.
func openFile(path string) (*os.File, error) {
	for {
		fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil:
			return nil, &os.PathError{Op: "open", Path: path, Err: err}
		}
		return os.NewFile(uintptr(fd), path), nil
	}
}
