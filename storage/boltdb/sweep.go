package boltdb

import (
	"bytes"
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/gatehouse-id/gatehouse/storage"
)

// DeleteExpired removes, in one transaction, every auth request,
// authorization code, access token, refresh token (a used refresh token's
// tombstone included), pending logout, one-time code challenge and WebAuthn
// ceremony session whose ExpiresAt is at or before now, and every session
// that expired or was last seen before idleBefore. It collects the keys
// first and deletes them after each scan; challenges and ceremony sessions
// are found through their expiry indexes.
func (db *DB) DeleteExpired(ctx context.Context, now, idleBefore time.Time) (storage.Swept, error) {
	var swept storage.Swept
	err := db.update(ctx, func(tx *bolt.Tx) error {
		swept = storage.Swept{}
		var err error
		if swept.AuthRequests, err = sweepAuthRequests(tx, now); err != nil {
			return err
		}
		if swept.AuthCodes, err = sweepAuthCodes(tx, now); err != nil {
			return err
		}
		if swept.AccessTokens, err = sweepAccessTokens(tx, now); err != nil {
			return err
		}
		if swept.RefreshTokens, err = sweepRefreshTokens(tx, now); err != nil {
			return err
		}
		if swept.Sessions, err = sweepSessions(tx, now, idleBefore); err != nil {
			return err
		}
		if swept.Logouts, err = sweepLogouts(tx, now); err != nil {
			return err
		}
		if swept.OTPChallenges, err = sweepOTPChallenges(tx, now); err != nil {
			return err
		}
		if swept.WebAuthnSessions, err = sweepWebAuthnSessions(tx, now); err != nil {
			return err
		}
		if swept.PasswordResets, err = sweepPasswordResets(tx, now); err != nil {
			return err
		}
		swept.DeniedTokens, err = sweepDeniedTokens(tx, now)
		return err
	})
	if err != nil {
		return storage.Swept{}, fmt.Errorf("delete expired: %w", err)
	}
	return swept, nil
}

// expiredKeys decodes every record of the named bucket into R and returns
// copies of the keys for which expired reports true.
func expiredKeys[R any](tx *bolt.Tx, name string, expired func(R) bool) ([][]byte, []R, error) {
	var keys [][]byte
	var recs []R
	c := bucket(tx, name).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		r, err := getRecord[R](tx, name, k)
		if err != nil {
			return nil, nil, err
		}
		if expired(r) {
			keys = append(keys, bytes.Clone(k))
			recs = append(recs, r)
		}
	}
	return keys, recs, nil
}

func sweepAuthRequests(tx *bolt.Tx, now time.Time) (int, error) {
	keys, _, err := expiredKeys(tx, bucketAuthRequests, func(r authRequestRecord) bool {
		return !r.ExpiresAt.After(now)
	})
	if err != nil {
		return 0, err
	}
	for _, k := range keys {
		if err := bucket(tx, bucketAuthRequests).Delete(k); err != nil {
			return 0, err
		}
	}
	return len(keys), nil
}

func sweepAuthCodes(tx *bolt.Tx, now time.Time) (int, error) {
	keys, recs, err := expiredKeys(tx, bucketAuthCodes, func(r authCodeRecord) bool {
		return !r.ExpiresAt.After(now)
	})
	if err != nil {
		return 0, err
	}
	for i, k := range keys {
		if err := deleteAuthCode(tx, k, recs[i].AuthRequestID); err != nil {
			return 0, err
		}
	}
	return len(keys), nil
}

func sweepAccessTokens(tx *bolt.Tx, now time.Time) (int, error) {
	keys, _, err := expiredKeys(tx, bucketAccessTokens, func(r accessTokenRecord) bool {
		return !r.ExpiresAt.After(now)
	})
	if err != nil {
		return 0, err
	}
	for _, k := range keys {
		if err := deleteAccessToken(tx, string(k)); err != nil {
			return 0, err
		}
	}
	return len(keys), nil
}

func sweepRefreshTokens(tx *bolt.Tx, now time.Time) (int, error) {
	keys, _, err := expiredKeys(tx, bucketRefreshTokens, func(r refreshTokenRecord) bool {
		return !r.ExpiresAt.After(now)
	})
	if err != nil {
		return 0, err
	}
	for _, k := range keys {
		if err := deleteRefreshToken(tx, string(k)); err != nil {
			return 0, err
		}
	}
	return len(keys), nil
}

func sweepSessions(tx *bolt.Tx, now, idleBefore time.Time) (int, error) {
	keys, _, err := expiredKeys(tx, bucketSessions, func(r sessionRecord) bool {
		return !r.ExpiresAt.After(now) || r.LastSeenAt.Before(idleBefore)
	})
	if err != nil {
		return 0, err
	}
	for _, k := range keys {
		if err := deleteSession(tx, string(k)); err != nil {
			return 0, err
		}
	}
	return len(keys), nil
}

func sweepLogouts(tx *bolt.Tx, now time.Time) (int, error) {
	keys, _, err := expiredKeys(tx, bucketLogouts, func(r logoutRecord) bool {
		return !r.ExpiresAt.After(now)
	})
	if err != nil {
		return 0, err
	}
	for _, k := range keys {
		if err := bucket(tx, bucketLogouts).Delete(k); err != nil {
			return 0, err
		}
	}
	return len(keys), nil
}
