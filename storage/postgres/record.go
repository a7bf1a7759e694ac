package postgres

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gatehouse-id/gatehouse/storage"
)

// mapErr translates the errors of the driver that the storage contract
// names: pgx.ErrNoRows becomes storage.ErrNotFound and a unique violation
// storage.ErrAlreadyExists (with the constraint's name). Any other error,
// and nil, is returned as is. Callers wrap the result with context:
// fmt.Errorf("postgres: get user: %w", mapErr(err)).
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return storage.ErrNotFound
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == codeUniqueViolation {
		return fmt.Errorf("%w (%s)", storage.ErrAlreadyExists, pgErr.ConstraintName)
	}
	return err
}

// ts returns the value of a nullable timestamptz column for t: nil for the
// zero time, t in UTC otherwise.
func ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

// fromTS returns the time of a nullable timestamptz column: the zero time
// for NULL, the time in UTC otherwise.
func fromTS(p *time.Time) time.Time {
	if p == nil || p.IsZero() {
		return time.Time{}
	}
	return p.UTC()
}

// encode returns the JSON of the data column for r, a storage value (or a
// pointer to one), with every time inside it in UTC and zero times
// canonical. r itself is not changed.
func encode(r any) ([]byte, error) {
	v := reflect.New(reflect.TypeOf(r)).Elem()
	v.Set(reflect.ValueOf(r))
	utcValue(v)
	b, err := json.Marshal(v.Interface())
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w", r, err)
	}
	return b, nil
}

// decode decodes the JSON of a data column into a value of type R, with
// every time inside it in UTC.
func decode[R any](b []byte) (R, error) {
	var r R
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("decode %T: %w", r, err)
	}
	utcValue(reflect.ValueOf(&r).Elem())
	return r, nil
}

var timeType = reflect.TypeFor[time.Time]()

// utcValue converts every time.Time reachable from the settable value v
// (through structs, pointers, slices, arrays and maps) to UTC, making zero
// times the zero value. Pointers, slices and maps are copied before they
// are changed, so values shared with the caller are left unchanged.
func utcValue(v reflect.Value) {
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
				utcValue(v.Field(i))
			}
		}
	case reflect.Pointer:
		if !v.IsNil() && hasTime(v.Type().Elem()) {
			c := reflect.New(v.Elem().Type())
			c.Elem().Set(v.Elem())
			utcValue(c.Elem())
			v.Set(c)
		}
	case reflect.Slice:
		if !v.IsNil() && hasTime(v.Type().Elem()) {
			c := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
			reflect.Copy(c, v)
			for i := range c.Len() {
				utcValue(c.Index(i))
			}
			v.Set(c)
		}
	case reflect.Array:
		for i := range v.Len() {
			utcValue(v.Index(i))
		}
	case reflect.Map:
		if !v.IsNil() && hasTime(v.Type().Elem()) {
			c := reflect.MakeMapWithSize(v.Type(), v.Len())
			for it := v.MapRange(); it.Next(); {
				e := reflect.New(v.Type().Elem()).Elem()
				e.Set(it.Value())
				utcValue(e)
				c.SetMapIndex(it.Key(), e)
			}
			v.Set(c)
		}
	}
}

// hasTime reports whether a value of type t can hold a time.Time.
func hasTime(t reflect.Type) bool {
	return hasTimeSeen(t, map[reflect.Type]bool{})
}

func hasTimeSeen(t reflect.Type, seen map[reflect.Type]bool) bool {
	if t == timeType {
		return true
	}
	if seen[t] {
		return false
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Struct:
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() && hasTimeSeen(f.Type, seen) {
				return true
			}
		}
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		return hasTimeSeen(t.Elem(), seen)
	}
	return false
}

// errNotImplemented is what the methods not written yet return.
var errNotImplemented = errors.New("postgres: not implemented yet")
