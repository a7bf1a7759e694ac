package boltdb_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/storage/boltdb"
)

// TestBackupWhileWriting copies the database while another goroutine
// writes, and opens the copy: it passes the check and holds every user
// written before the copy began.
func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := mustOpen(t, filepath.Join(dir, "gatehouse.db"), boltdb.Options{NoSync: true})
	for i := range 50 {
		if err := db.CreateUser(ctx, storage.User{ID: "usr_a" + string(rune('a'+i%26)) + string(rune('a'+i/26)), Email: "a" + string(rune('a'+i%26)) + string(rune('a'+i/26)) + "@example.com"}); err != nil {
			t.Fatal(err)
		}
	}
	stop := make(chan struct{})
	done := make(chan error)
	go func() {
		i := 0
		for {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			id := "usr_w" + string(rune('a'+i%26)) + string(rune('a'+(i/26)%26)) + string(rune('a'+i/676))
			if err := db.CreateUser(ctx, storage.User{ID: id, Email: id + "@example.com"}); err != nil {
				done <- err
				return
			}
			i++
		}
	}()
	var buf bytes.Buffer
	n, err := db.Backup(ctx, &buf)
	close(stop)
	if werr := <-done; werr != nil {
		t.Fatal(werr)
	}
	if err != nil || n != int64(buf.Len()) {
		t.Fatalf("Backup = %d, %v; wrote %d bytes", n, err, buf.Len())
	}
	copyPath := filepath.Join(dir, "copy.db")
	if err := os.WriteFile(copyPath, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := boltdb.CheckFile(copyPath); err != nil {
		t.Fatalf("CheckFile(copy) = %v", err)
	}
	cp := mustOpen(t, copyPath, boltdb.Options{NoSync: true})
	for _, email := range []string{"aaa@example.com", "axb@example.com"} {
		if _, err := cp.GetUserByEmail(ctx, email); err != nil {
			t.Errorf("the copy lacks %s: %v", email, err)
		}
	}
	if err := db.Check(ctx); err != nil {
		t.Fatalf("Check(live) = %v", err)
	}
}

func TestCheckFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.db")
	db, err := boltdb.Open(good, boltdb.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, _ := os.ReadFile(good)
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// A page of the tree overwritten with garbage (the meta pages stay).
	garbled := bytes.Clone(raw)
	for i := 4 * 4096; i < min(len(garbled), 6*4096); i++ {
		garbled[i] = 0xA5
	}
	tests := []struct {
		name string
		path string
		want error
	}{
		{"good", good, nil},
		{"not a database", write("text.db", bytes.Repeat([]byte("not bbolt "), 2000)), boltdb.ErrDamaged},
		{"empty", write("empty.db", nil), boltdb.ErrDamaged},
		{"garbled pages", write("garbled.db", garbled), boltdb.ErrDamaged},
		{"missing", filepath.Join(dir, "none.db"), fs.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := boltdb.CheckFile(tt.path)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("CheckFile = %v", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("CheckFile = %v, want %v", err, tt.want)
			}
		})
	}
}
