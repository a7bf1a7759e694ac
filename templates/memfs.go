package templates

import (
	"bytes"
	"io"
	"io/fs"
	"slices"
	"time"
)

// memFS is a flat, read-only file system held in memory: the static
// assets with the branded stylesheet and logo added (withBrandStylesheet).
// Its names are file names without a directory; "." is the only
// directory. Files are read-only (mode 0444) and have no modification
// time.
type memFS map[string][]byte

// Open opens the file name, or the directory ".", as fs.FS requires.
func (m memFS) Open(name string) (fs.File, error) {
	if name == "." {
		return &memDir{fs: m}, nil
	}
	data, ok := m[name]
	if !ok || !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return &memFile{info: memInfo{name: name, size: int64(len(data))}, Reader: bytes.NewReader(data)}, nil
}

// memFile is an open file of a memFS; it can seek, which http.FileServerFS
// uses for ranges and to sniff the type.
type memFile struct {
	info memInfo
	*bytes.Reader
}

func (f *memFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *memFile) Close() error               { return nil }

// memDir is the open directory "." of a memFS.
type memDir struct {
	fs   memFS
	read int
}

func (d *memDir) Stat() (fs.FileInfo, error) { return memInfo{name: ".", dir: true}, nil }
func (d *memDir) Close() error               { return nil }

func (d *memDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: ".", Err: fs.ErrInvalid}
}

// ReadDir returns the next n entries in name order (all of them when n <=
// 0), as fs.ReadDirFile requires.
func (d *memDir) ReadDir(n int) ([]fs.DirEntry, error) {
	names := make([]string, 0, len(d.fs))
	for name := range d.fs {
		names = append(names, name)
	}
	slices.Sort(names)
	names = names[d.read:]
	if n > 0 && len(names) == 0 {
		return nil, io.EOF
	}
	if n > 0 && n < len(names) {
		names = names[:n]
	}
	d.read += len(names)
	out := make([]fs.DirEntry, len(names))
	for i, name := range names {
		out[i] = fs.FileInfoToDirEntry(memInfo{name: name, size: int64(len(d.fs[name]))})
	}
	return out, nil
}

// memInfo describes a file or the directory of a memFS.
type memInfo struct {
	name string
	size int64
	dir  bool
}

func (i memInfo) Name() string       { return i.name }
func (i memInfo) Size() int64        { return i.size }
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return i.dir }
func (i memInfo) Sys() any           { return nil }

func (i memInfo) Mode() fs.FileMode {
	if i.dir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}
