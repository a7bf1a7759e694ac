package storagetest

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

// test is one named conformance check run on a fresh store.
type test struct {
	name string
	fn   func(t *testing.T, s storage.Store)
}

// Run runs every conformance test as a subtest, each on a fresh store made
// by newStore. newStore should register the store's cleanup with t.Cleanup.
func Run(t *testing.T, newStore func(t *testing.T) storage.Store) {
	t.Helper()
	groups := [][]test{
		userTests, clientTests, authRequestTests, tokenTests,
		sessionTests, logoutTests, keyTests, mfaTests, webAuthnTests, attemptTests, auditTests, resetTests, avatarTests,
		sweepTests, concurrencyTests, mailQueueTests, mailClaimTests, leaseTests,
		accountTests, membershipTests, invitationTests, accountConcurrencyTests,
		{{"Health", testHealth}},
	}
	for _, group := range groups {
		for _, tc := range group {
			t.Run(tc.name, func(t *testing.T) {
				tc.fn(t, newStore(t))
			})
		}
	}
}

func testHealth(t *testing.T, s storage.Store) {
	if err := s.Health(context.Background()); err != nil {
		t.Fatalf("Health() = %v, want nil", err)
	}
}

// base is the fixed time every fixture is built from. It is not in UTC and
// has microsecond precision, so a round-trip must convert it to UTC without
// losing precision.
var base = time.Date(2026, time.March, 4, 5, 6, 7, 123456000, time.FixedZone("CET", 3600))

// at returns base plus d.
func at(d time.Duration) time.Time { return base.Add(d) }

// normalize returns v with every time.Time inside it (through structs,
// pointers and slices) converted to UTC, and zero times made canonical. It
// copies slices and pointers first, so the original is left unchanged.
func normalize[T any](v T) T {
	rv := reflect.ValueOf(&v).Elem()
	normalizeValue(rv)
	return v
}

var timeType = reflect.TypeFor[time.Time]()

func normalizeValue(v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == timeType {
			t := v.Interface().(time.Time)
			if t.IsZero() {
				t = time.Time{}
			} else {
				t = t.UTC()
			}
			v.Set(reflect.ValueOf(t))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				normalizeValue(v.Field(i))
			}
		}
	case reflect.Pointer:
		if !v.IsNil() {
			c := reflect.New(v.Elem().Type())
			c.Elem().Set(v.Elem())
			normalizeValue(c.Elem())
			v.Set(c)
		}
	case reflect.Slice:
		if !v.IsNil() {
			c := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
			reflect.Copy(c, v)
			for i := range c.Len() {
				normalizeValue(c.Index(i))
			}
			v.Set(c)
		}
	}
}

// checkEqual fails unless got equals want after want's times are converted
// to UTC. got is not normalized: a backend must return UTC times.
func checkEqual[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if w := normalize(want); !reflect.DeepEqual(got, w) {
		t.Fatalf("%s = %+v\nwant %+v", what, got, w)
	}
}

// checkErr fails unless errors.Is(err, want); want nil requires no error.
func checkErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("%s error = %v, want nil", what, err)
		}
		return
	}
	if !errors.Is(err, want) {
		t.Fatalf("%s error = %v, want %v", what, err, want)
	}
}

// must fails the test on err.
func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s error = %v", what, err)
	}
}

// errFn is the error the UpdateX tests return from fn.
var errFn = errors.New("storagetest: fn refused")

// errAny in a test table means that any non-nil error will do.
var errAny = errors.New("storagetest: any error")
