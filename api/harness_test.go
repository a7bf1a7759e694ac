package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/storage/boltdb"
)

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// storeVerifier verifies the harness's tokens against their real storage
// records, as provider.VerifyAccessToken does after decoding: the raw
// token is the record's ID (the provider's own decoding is tested in
// package provider and end to end in cmd/gatehouse).
type storeVerifier struct {
	store storage.Tokens
	now   func() time.Time
}

func (v storeVerifier) Verify(ctx context.Context, raw string) (Token, error) {
	at, err := v.store.GetAccessToken(ctx, raw)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && !v.now().Before(at.ExpiresAt)) {
		return Token{}, ErrInvalidToken
	}
	if err != nil {
		return Token{}, err
	}
	return Token{Subject: at.Subject, ClientID: at.ClientID, Client: at.Subject == at.ClientID, Scopes: at.Scopes,
		AccountID: at.AccountID, AuthTime: at.AuthTime, AMR: at.AMR, ExpiresAt: at.ExpiresAt}, nil
}

// clientActors turns API clients' tokens into actors as cmd/gatehouse
// does: a client that can no longer act is an invalid token.
type clientActors struct{ svc *iam.Service }

func (c clientActors) ClientActor(ctx context.Context, t Token, ip, userAgent string) (iam.Actor, error) {
	a, err := c.svc.ActingAPIClient(ctx, t.ClientID, ip, userAgent)
	if errors.Is(err, iam.ErrClientCannotAct) {
		return iam.Actor{}, ErrInvalidToken
	}
	return a, err
}

// clientToken issues an access token for the API client clientID, as the
// client_credentials grant does (the subject is the client).
func (h *harness) clientToken(clientID string) string {
	h.t.Helper()
	now := h.clock.Now()
	at := storage.AccessToken{ID: secret.ID("at_"), ClientID: clientID, Subject: clientID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := h.store.IssueTokens(context.Background(), storage.Issue{Access: at}, now); err != nil {
		h.t.Fatalf("issue token: %v", err)
	}
	return at.ID
}

// note is one e-mail the API asked for.
type note struct {
	kind, to, account string
}

// notes records the Notifier calls.
type notes struct {
	mu  sync.Mutex
	all []note
}

func (n *notes) add(x note) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.all = append(n.all, x)
}

func (n *notes) take() []note {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := n.all
	n.all = nil
	return out
}

func (n *notes) Invited(_ context.Context, inv iam.IssuedInvitation, _ string) {
	n.add(note{"invited", inv.Invitation.Email, inv.Account.ID})
}
func (n *notes) RoleChanged(_ context.Context, rc iam.RoleChange) {
	n.add(note{"role", rc.Membership.UserID, rc.Account.ID})
}
func (n *notes) Removed(_ context.Context, m storage.Membership, a storage.Account) {
	n.add(note{"removed", m.UserID, a.ID})
}
func (n *notes) Transferred(_ context.Context, t iam.Transfer) {
	n.add(note{"transferred", t.ToUserID, t.Account.ID})
}

// Roles of the harness's people in its account.
const (
	owner     = "owner"
	admin     = "admin"
	developer = "developer"
	member    = "default"
	outsider  = "outsider"
)

// harness is the API on a real bolt store and iam, served over HTTP.
type harness struct {
	t     *testing.T
	store *boltdb.DB
	iam   *iam.Service
	clock *clock
	notes *notes
	srv   *httptest.Server
	// users are the people by role; acct is the account they are in
	// (outsider has none), child a child of it.
	users       map[string]storage.User
	acct, child storage.Account
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	db, err := boltdb.Open(filepath.Join(t.TempDir(), "gatehouse.db"), boltdb.Options{NoSync: true})
	if err != nil {
		t.Fatalf("open bolt: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	h := &harness{t: t, store: db, clock: &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}, notes: &notes{},
		users: map[string]storage.User{}}
	hasher := password.NewHasher(password.Params{MemoryKiB: 64, Time: 1, Threads: 1}, 1)
	h.iam = iam.New(db, hasher, h.clock.Now)
	api, err := New(Deps{IAM: h.iam, Users: db, Auth: Bearer{Verifier: storeVerifier{store: db, now: h.clock.Now}, Clients: clientActors{h.iam}},
		Notifier: h.notes, BaseURL: "https://id.example.com"})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	h.srv = serve(t, api)
	h.seed()
	return h
}

// serve mounts api on a router and serves it until the test ends.
func serve(t *testing.T, api *Handler) *httptest.Server {
	t.Helper()
	r := mux.NewRouter()
	api.Mount(r)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv
}

// seed creates the people and the account.
func (h *harness) seed() {
	t := h.t
	t.Helper()
	ctx := context.Background()
	for _, role := range []string{owner, admin, developer, member, outsider} {
		u := storage.User{ID: secret.ID("usr_"), Email: role + "@example.com", EmailVerified: true, GivenName: strings.ToUpper(role[:1]) + role[1:],
			FamilyName: "Tester", State: storage.UserActive, MFAMethod: storage.MFAEmail, CreatedAt: h.clock.Now(), UpdatedAt: h.clock.Now()}
		if err := h.store.CreateUser(ctx, u); err != nil {
			t.Fatalf("create user: %v", err)
		}
		h.users[role] = u
	}
	op := iam.OperatorActor()
	var err error
	if h.acct, err = h.iam.CreateTopLevelAccount(ctx, op, iam.NewAccount{Name: "Acme", OwnerID: h.users[owner].ID}); err != nil {
		t.Fatalf("create account: %v", err)
	}
	for _, role := range []storage.Role{storage.RoleAdmin, storage.RoleDeveloper, storage.RoleDefault} {
		if _, err := h.iam.AddMember(ctx, op, h.acct.ID, h.users[string(role)].ID, role); err != nil {
			t.Fatalf("add %s: %v", role, err)
		}
	}
	if h.child, err = h.iam.CreateChildAccount(ctx, iam.UserActor(h.users[owner].ID, "", ""), h.acct.ID, iam.NewAccount{Name: "Acme Labs"}); err != nil {
		t.Fatalf("create child: %v", err)
	}
}

// tokenFor issues an access token for the person of role with scopes and
// returns it; the harness's verifier takes its record ID as the token.
func (h *harness) tokenFor(role string, scopes ...string) string {
	h.t.Helper()
	if len(scopes) == 0 {
		scopes = []string{"openid", ScopeAPI}
	}
	now := h.clock.Now()
	at := storage.AccessToken{ID: secret.ID("at_"), ClientID: "rp", Subject: h.users[role].ID, Scopes: scopes,
		AuthTime: now, AMR: []string{"pwd", "otp"}, CreatedAt: now, ExpiresAt: now.Add(15 * time.Minute)}
	if err := h.store.IssueTokens(context.Background(), storage.Issue{Access: at}, now); err != nil {
		h.t.Fatalf("issue token: %v", err)
	}
	return at.ID
}

// answer is a decoded API answer.
type answer struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

// str returns a string member of the body.
func (a answer) str(key string) string {
	s, _ := a.body[key].(string)
	return s
}

// items returns the items of a list answer.
func (a answer) items() []map[string]any {
	list, _ := a.body["items"].([]any)
	out := make([]map[string]any, 0, len(list))
	for _, it := range list {
		m, _ := it.(map[string]any)
		out = append(out, m)
	}
	return out
}

// do calls the API with token (none when empty) and a JSON body (none
// when nil; a string is sent as it is).
func (h *harness) do(method, path, token string, body any) answer {
	h.t.Helper()
	switch b := body.(type) {
	case nil:
		return h.send(method, path, token, nil, "")
	case string:
		return h.send(method, path, token, strings.NewReader(b), "application/json")
	default:
		j, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		return h.send(method, path, token, bytes.NewReader(j), "application/json")
	}
}

// doRaw calls the API with a body of the given media type.
func (h *harness) doRaw(method, path, token, body, mediaType string) answer {
	h.t.Helper()
	return h.send(method, path, token, strings.NewReader(body), mediaType)
}

// send makes one call and checks the answer against the OpenAPI
// document.
func (h *harness) send(method, path, token string, rd io.Reader, mediaType string) answer {
	h.t.Helper()
	var sent []byte
	if rd != nil {
		var err error
		if sent, err = io.ReadAll(rd); err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(sent)
	}
	req, err := http.NewRequest(method, h.srv.URL+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if mediaType != "" {
		req.Header.Set("Content-Type", mediaType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	a := answer{status: resp.StatusCode, header: resp.Header, raw: raw}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &a.body); err != nil {
			h.t.Fatalf("%s %s: answer %q is not a JSON object: %v", method, path, raw, err)
		}
	}
	validateAnswer(h.t, req, sent, resp, raw)
	return a
}
