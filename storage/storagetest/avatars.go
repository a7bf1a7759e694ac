package storagetest

import (
	"bytes"
	"context"
	"testing"

	"github.com/gatehouse-id/gatehouse/storage"
)

var avatarTests = []test{
	{"AvatarRoundTrip", testAvatarRoundTrip},
}

func testAvatarRoundTrip(t *testing.T, s storage.Store) {
	ctx := context.Background()
	a := storage.Avatars(s)
	_, _, err := a.GetAvatar(ctx, "usr_1")
	checkErr(t, "GetAvatar(missing)", err, storage.ErrNotFound)
	big := bytes.Repeat([]byte{0x89}, storage.MaxAvatarBytes)
	must(t, "PutAvatar", a.PutAvatar(ctx, "usr_1", "image/png", big))
	must(t, "PutAvatar(replace)", a.PutAvatar(ctx, "usr_1", "image/webp", []byte("RIFF")))
	ct, data, err := a.GetAvatar(ctx, "usr_1")
	must(t, "GetAvatar", err)
	if ct != "image/webp" || string(data) != "RIFF" {
		t.Errorf("GetAvatar = %q %q, want the replacement", ct, data)
	}
	_, _, err = a.GetAvatar(ctx, "usr_2")
	checkErr(t, "GetAvatar(other user)", err, storage.ErrNotFound)
	must(t, "DeleteAvatar", a.DeleteAvatar(ctx, "usr_1"))
	_, _, err = a.GetAvatar(ctx, "usr_1")
	checkErr(t, "GetAvatar(deleted)", err, storage.ErrNotFound)
	must(t, "DeleteAvatar(missing)", a.DeleteAvatar(ctx, "usr_1"))
}
