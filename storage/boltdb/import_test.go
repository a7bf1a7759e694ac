package boltdb_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/storage/boltdb"
)

func TestImportUsers(t *testing.T) {
	ctx := context.Background()
	user := func(id, email string) storage.User {
		return storage.User{ID: id, Email: email, State: storage.UserActive}
	}
	tests := []struct {
		name    string
		batch   []storage.User
		wantErr error
	}{
		{"new users", []storage.User{user("usr_b", "b@example.com"), user("usr_c", "C@example.com")}, nil},
		{"ID taken", []storage.User{user("usr_d", "d@example.com"), user("usr_a", "x@example.com")}, storage.ErrAlreadyExists},
		{"e-mail taken in another case", []storage.User{user("usr_e", "A@EXAMPLE.COM")}, storage.ErrAlreadyExists},
		{"e-mail repeated in the batch", []storage.User{user("usr_f", "f@example.com"), user("usr_g", " F@example.com")}, storage.ErrAlreadyExists},
		{"bad ID", []storage.User{user("", "h@example.com")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := mustOpen(t, filepath.Join(t.TempDir(), "gatehouse.db"), boltdb.Options{NoSync: true})
			if err := db.CreateUser(ctx, user("usr_a", "a@example.com")); err != nil {
				t.Fatal(err)
			}
			err := db.ImportUsers(ctx, tt.batch)
			users, _, lerr := db.ListUsers(ctx, storage.PageRequest{})
			if lerr != nil {
				t.Fatal(lerr)
			}
			if tt.name == "new users" {
				if err != nil || len(users) != 3 {
					t.Fatalf("ImportUsers = %v with %d users stored, want 3", err, len(users))
				}
				if got, err := db.GetUserByEmail(ctx, "c@example.com"); err != nil || got.ID != "usr_c" {
					t.Fatalf("GetUserByEmail(c) = %+v, %v", got, err)
				}
				return
			}
			if err == nil || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) {
				t.Fatalf("ImportUsers = %v, want %v", err, tt.wantErr)
			}
			if len(users) != 1 {
				t.Fatalf("%d users after a refused import, want only the first (nothing written)", len(users))
			}
		})
	}
}
