package storagetest

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

var userTests = []test{
	{"UserRoundTrip", testUserRoundTrip},
	{"UserNotFound", testUserNotFound},
	{"UserAlreadyExists", testUserAlreadyExists},
	{"ListUsersOrderedByEmail", testListUsers},
	{"UpdateUser", testUpdateUser},
	{"UpdateUserFnErrorWritesNothing", testUpdateUserFnError},
	{"UpdateUserEmailMovesIndex", testUpdateUserEmail},
	{"UpdateUserEmailCollision", testUpdateUserEmailCollision},
	{"UpdateUserCannotChangeID", testUpdateUserID},
}

func testUserRoundTrip(t *testing.T, s storage.Store) {
	ctx := context.Background()
	want := fullUser("usr_1", "Ada@Example.com")
	must(t, "CreateUser", s.CreateUser(ctx, want))

	got, err := s.GetUser(ctx, "usr_1")
	must(t, "GetUser", err)
	checkEqual(t, "GetUser", got, want)

	for _, email := range []string{"Ada@Example.com", "ada@example.com", "  ADA@EXAMPLE.COM "} {
		got, err := s.GetUserByEmail(ctx, email)
		must(t, "GetUserByEmail("+email+")", err)
		checkEqual(t, "GetUserByEmail("+email+")", got, want)
	}
}

func testUserNotFound(t *testing.T, s storage.Store) {
	ctx := context.Background()
	_, err := s.GetUser(ctx, "usr_missing")
	checkErr(t, "GetUser(missing)", err, storage.ErrNotFound)
	_, err = s.GetUserByEmail(ctx, "nobody@example.com")
	checkErr(t, "GetUserByEmail(missing)", err, storage.ErrNotFound)
	_, err = s.UpdateUser(ctx, "usr_missing", func(u storage.User) (storage.User, error) { return u, nil })
	checkErr(t, "UpdateUser(missing)", err, storage.ErrNotFound)
	users, _, err := s.ListUsers(ctx, storage.PageRequest{})
	must(t, "ListUsers", err)
	if len(users) != 0 {
		t.Fatalf("ListUsers() on an empty store = %d users, want 0", len(users))
	}
}

func testUserAlreadyExists(t *testing.T, s storage.Store) {
	ctx := context.Background()
	must(t, "CreateUser", s.CreateUser(ctx, fullUser("usr_1", "ada@example.com")))
	tests := []struct {
		name string
		user storage.User
	}{
		{"same id", fullUser("usr_1", "other@example.com")},
		{"same email", fullUser("usr_2", "ada@example.com")},
		{"same email other case", fullUser("usr_3", "ADA@Example.COM")},
		{"same email with spaces", fullUser("usr_4", " ada@example.com ")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, "CreateUser", s.CreateUser(ctx, tt.user), storage.ErrAlreadyExists)
		})
	}
	users, _, err := s.ListUsers(ctx, storage.PageRequest{})
	must(t, "ListUsers", err)
	if len(users) != 1 {
		t.Fatalf("ListUsers() = %d users, want 1", len(users))
	}
	_, err = s.GetUserByEmail(ctx, "other@example.com")
	checkErr(t, "GetUserByEmail(other) after refused create", err, storage.ErrNotFound)
}

func testListUsers(t *testing.T, s storage.Store) {
	ctx := context.Background()
	c := fullUser("usr_a", "carol@example.com")
	a := fullUser("usr_b", "Alice@example.com")
	b := fullUser("usr_c", "bob@example.com")
	for _, u := range []storage.User{c, a, b} {
		must(t, "CreateUser", s.CreateUser(ctx, u))
	}
	got, next, err := s.ListUsers(ctx, storage.PageRequest{})
	must(t, "ListUsers", err)
	checkEqual(t, "ListUsers", got, []storage.User{a, b, c})
	if next != "" {
		t.Fatalf("ListUsers() of the only page: next = %q, want empty", next)
	}
	// Pages of two: the cursor is the last e-mail of a page; a user
	// created between pages before the cursor is not shown, one after it is.
	page1, next, err := s.ListUsers(ctx, storage.PageRequest{Limit: 2})
	must(t, "ListUsers(page 1)", err)
	checkEqual(t, "ListUsers(page 1)", page1, []storage.User{a, b})
	if next == "" {
		t.Fatal("ListUsers(page 1): no cursor, want one")
	}
	early, late := fullUser("usr_d", "aaron@example.com"), fullUser("usr_e", "dave@example.com")
	must(t, "CreateUser", s.CreateUser(ctx, early))
	must(t, "CreateUser", s.CreateUser(ctx, late))
	page2, next, err := s.ListUsers(ctx, storage.PageRequest{After: next, Limit: 2})
	must(t, "ListUsers(page 2)", err)
	checkEqual(t, "ListUsers(page 2)", page2, []storage.User{c, late})
	if next != "" {
		t.Fatalf("ListUsers(page 2): next = %q, want empty on the last page", next)
	}
}

func testUpdateUser(t *testing.T, s storage.Store) {
	ctx := context.Background()
	must(t, "CreateUser", s.CreateUser(ctx, fullUser("usr_1", "ada@example.com")))
	want := fullUser("usr_1", "ada@example.com")
	want.GivenName = "Augusta"
	want.State = storage.UserActive
	want.UpdatedAt = at(48 * time.Hour)
	got, err := s.UpdateUser(ctx, "usr_1", func(u storage.User) (storage.User, error) {
		u.GivenName = "Augusta"
		u.State = storage.UserActive
		u.UpdatedAt = want.UpdatedAt
		return u, nil
	})
	must(t, "UpdateUser", err)
	checkEqual(t, "UpdateUser result", got, want)
	got, err = s.GetUser(ctx, "usr_1")
	must(t, "GetUser", err)
	checkEqual(t, "GetUser after UpdateUser", got, want)
}

func testUpdateUserFnError(t *testing.T, s storage.Store) {
	ctx := context.Background()
	want := fullUser("usr_1", "ada@example.com")
	must(t, "CreateUser", s.CreateUser(ctx, want))
	_, err := s.UpdateUser(ctx, "usr_1", func(u storage.User) (storage.User, error) {
		u.GivenName = "Changed"
		u.Email = "new@example.com"
		return u, errFn
	})
	checkErr(t, "UpdateUser(fn fails)", err, errFn)
	got, err := s.GetUser(ctx, "usr_1")
	must(t, "GetUser", err)
	checkEqual(t, "GetUser after failed UpdateUser", got, want)
	_, err = s.GetUserByEmail(ctx, "new@example.com")
	checkErr(t, "GetUserByEmail(new) after failed UpdateUser", err, storage.ErrNotFound)
}

func testUpdateUserEmail(t *testing.T, s storage.Store) {
	ctx := context.Background()
	must(t, "CreateUser", s.CreateUser(ctx, fullUser("usr_1", "ada@example.com")))
	tests := []struct {
		name, email string
	}{
		{"case only", "ADA@example.com"},
		{"new address", "augusta@example.com"},
	}
	old := "ada@example.com"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.UpdateUser(ctx, "usr_1", func(u storage.User) (storage.User, error) {
				u.Email = tt.email
				return u, nil
			})
			must(t, "UpdateUser", err)
			got, err := s.GetUserByEmail(ctx, tt.email)
			must(t, "GetUserByEmail(new)", err)
			if got.ID != "usr_1" || got.Email != tt.email {
				t.Fatalf("GetUserByEmail(%q) = %q %q, want usr_1 %q", tt.email, got.ID, got.Email, tt.email)
			}
			if storage.NormalizeEmail(old) != storage.NormalizeEmail(tt.email) {
				_, err = s.GetUserByEmail(ctx, old)
				checkErr(t, "GetUserByEmail(old)", err, storage.ErrNotFound)
			}
			old = tt.email
		})
	}
	// The old address is free again.
	must(t, "CreateUser(old address)", s.CreateUser(ctx, fullUser("usr_2", "ada@example.com")))
}

func testUpdateUserEmailCollision(t *testing.T, s storage.Store) {
	ctx := context.Background()
	ada := fullUser("usr_1", "ada@example.com")
	bob := fullUser("usr_2", "bob@example.com")
	must(t, "CreateUser", s.CreateUser(ctx, ada))
	must(t, "CreateUser", s.CreateUser(ctx, bob))
	_, err := s.UpdateUser(ctx, "usr_1", func(u storage.User) (storage.User, error) {
		u.Email = "BOB@example.com"
		u.GivenName = "Changed"
		return u, nil
	})
	checkErr(t, "UpdateUser(email taken)", err, storage.ErrAlreadyExists)
	for _, want := range []storage.User{ada, bob} {
		got, err := s.GetUserByEmail(ctx, want.Email)
		must(t, "GetUserByEmail", err)
		checkEqual(t, "GetUserByEmail("+want.Email+")", got, want)
	}
}

func testUpdateUserID(t *testing.T, s storage.Store) {
	ctx := context.Background()
	want := fullUser("usr_1", "ada@example.com")
	must(t, "CreateUser", s.CreateUser(ctx, want))
	_, err := s.UpdateUser(ctx, "usr_1", func(u storage.User) (storage.User, error) {
		u.ID = "usr_other"
		return u, nil
	})
	if err == nil {
		t.Fatalf("UpdateUser(changing the ID) error = nil, want an error")
	}
	_, err = s.GetUser(ctx, "usr_other")
	checkErr(t, "GetUser(new ID)", err, storage.ErrNotFound)
	got, err := s.GetUser(ctx, "usr_1")
	must(t, "GetUser", err)
	checkEqual(t, "GetUser after refused ID change", got, want)
}
