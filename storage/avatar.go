package storage

import "context"

// MaxAvatarBytes is the largest avatar image a backend must accept.
const MaxAvatarBytes = 1 << 20

// Avatars stores the users' profile pictures, one per user.
type Avatars interface {
	// PutAvatar stores the user's picture with its media type, replacing
	// any earlier one. The caller checks the type, size and dimensions.
	PutAvatar(ctx context.Context, userID, contentType string, data []byte) error
	// GetAvatar returns the user's picture and its media type, or
	// ErrNotFound.
	GetAvatar(ctx context.Context, userID string) (contentType string, data []byte, err error)
	// DeleteAvatar removes the user's picture. A missing picture is not an
	// error.
	DeleteAvatar(ctx context.Context, userID string) error
}
