package postgres

import (
	"context"
	"errors"
	"fmt"
)

// PutAvatar stores the user's picture, replacing any earlier one, in one
// statement.
func (s *Store) PutAvatar(ctx context.Context, userID, contentType string, data []byte) error {
	if userID == "" {
		return errors.New("postgres: put avatar: empty user id")
	}
	if data == nil {
		data = []byte{}
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO avatars (user_id, content_type, image) VALUES ($1, $2, $3)
		ON CONFLICT (user_id) DO UPDATE SET content_type = EXCLUDED.content_type, image = EXCLUDED.image`,
		userID, contentType, data)
	if err != nil {
		return fmt.Errorf("postgres: put avatar: %w", mapErr(err))
	}
	return nil
}

// GetAvatar returns the user's picture and its media type, or
// storage.ErrNotFound.
func (s *Store) GetAvatar(ctx context.Context, userID string) (string, []byte, error) {
	var (
		contentType string
		data        []byte
	)
	err := s.pool.QueryRow(ctx, `SELECT content_type, image FROM avatars WHERE user_id = $1`, userID).
		Scan(&contentType, &data)
	if err != nil {
		return "", nil, fmt.Errorf("postgres: get avatar: %w", mapErr(err))
	}
	return contentType, data, nil
}

// DeleteAvatar removes the user's picture; a missing one is not an error.
func (s *Store) DeleteAvatar(ctx context.Context, userID string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM avatars WHERE user_id = $1`, userID); err != nil {
		return fmt.Errorf("postgres: delete avatar: %w", mapErr(err))
	}
	return nil
}
