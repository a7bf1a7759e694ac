package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/gatehouse-id/gatehouse/storage/boltdb"
)

// Hot backups (issue 14): "gatehouse backup" streams a consistent copy of
// the database from a running server's admin socket (one read
// transaction), or from the file when no server runs; "gatehouse restore"
// checks a copy and puts it in place in a stopped data directory.
const (
	// backupPath is the admin socket's route of a hot backup.
	backupPath = "/backup"
	// backupSumTrailer carries the SHA-256 (hex) of the streamed copy.
	backupSumTrailer = "X-Gatehouse-Sha256"
	// sumSuffix names the checksum file written beside a backup, in
	// sha256sum's format.
	sumSuffix = ".sha256"
	// beforeRestoreSuffix names the database a restore replaced.
	beforeRestoreSuffix = ".before-restore"
)

// errPostgresBackup says how to back up the postgres driver's database.
var errPostgresBackup = errors.New("with storage.driver: postgres, back up and restore the database with PostgreSQL's tools " +
	"(pg_dump, pg_restore, or continuous archiving) and keep the sealing key apart (README: Backups and restore)")

// withBackup serves GET /backup on the admin socket: the database as of
// one read transaction, streamed while writers go on, with its SHA-256 in
// a trailer. Other requests go to next.
func withBackup(next http.Handler, db *boltdb.DB, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != backupPath {
			next.ServeHTTP(w, r)
			return
		}
		if r.Method != http.MethodGet {
			w.Header().Set("Allow", http.MethodGet)
			http.Error(w, "GET only", http.StatusMethodNotAllowed)
			return
		}
		if db == nil {
			http.Error(w, errPostgresBackup.Error(), http.StatusNotImplemented)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Trailer", backupSumTrailer)
		sum := sha256.New()
		start := time.Now()
		n, err := db.Backup(r.Context(), io.MultiWriter(w, sum))
		if err != nil {
			// The status is sent; a missing trailer tells the CLI.
			logger.Error("backup failed", "err", err, "bytes", n)
			return
		}
		w.Header().Set(backupSumTrailer, hex.EncodeToString(sum.Sum(nil)))
		logger.Info("backup streamed", "bytes", n, "took", time.Since(start).Round(time.Millisecond))
	})
}

// cmdBackup runs "gatehouse backup".
func cmdBackup(ctx context.Context, e env, args []string) error {
	fs, config := newFlagSet(e, "backup", "backup --out FILE [--force] [--config FILE]")
	out := fs.String("out", "", "write the copy to this `file`, and its checksum to FILE.sha256")
	force := fs.Bool("force", false, "replace FILE if it exists")
	if err := parseFlags(fs, args); err != nil {
		return helpOK(err)
	}
	if strings.TrimSpace(*out) == "" {
		return usagef("backup: --out FILE is required")
	}
	cfg, dataDir, err := configAndDataDir(e, *config)
	if err != nil {
		return err
	}
	if cfg.Storage.Driver == driverPostgres {
		return usagef("backup: %s", errPostgresBackup)
	}
	if _, err := os.Stat(*out); err == nil && !*force {
		return usagef("backup: %s exists; pass --force to replace it", *out)
	}
	tmp := *out + ".partial"
	os.Remove(tmp)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(tmp) // a no-op once renamed
	sum := sha256.New()
	n, err := copyDatabase(ctx, dataDir, io.MultiWriter(f, sum), sum)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := boltdb.CheckFile(tmp); err != nil {
		return fmt.Errorf("backup: the copy fails its check, so it was not kept: %w", err)
	}
	hexSum := hex.EncodeToString(sum.Sum(nil))
	if err := os.Rename(tmp, *out); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	line := hexSum + "  " + filepath.Base(*out) + "\n"
	if err := os.WriteFile(*out+sumSuffix, []byte(line), 0o600); err != nil {
		return fmt.Errorf("backup: write the checksum: %w", err)
	}
	syncDir(filepath.Dir(*out))
	fmt.Fprintf(e.stdout, "backup: %s (%d bytes, sha256 %s, in %s)\n", *out, n, hexSum, *out+sumSuffix)
	fmt.Fprintf(e.stdout, "Keep the sealing key with it (%s): the signing keys and the authenticator-app secrets in the copy are sealed with it.\n",
		sealingKeyPlace(cfg, dataDir))
	return nil
}

// copyDatabase writes a consistent copy of the data directory's database
// to w: from the running server's admin socket, checked against the
// checksum it sends, or from the file when no server runs. sum is the
// hash w feeds.
func copyDatabase(ctx context.Context, dataDir string, w io.Writer, sum hash.Hash) (int64, error) {
	sock := filepath.Join(dataDir, adminSocketName)
	if c, err := net.DialTimeout("unix", sock, adminDialTimeout); err == nil {
		c.Close()
		return copyFromSocket(ctx, sock, w, sum)
	}
	if err := ensureDataDir(dataDir); err != nil {
		return 0, err
	}
	path := filepath.Join(dataDir, dbFileName)
	if _, err := os.Stat(path); err != nil {
		return 0, fmt.Errorf("no database to back up: %w", err)
	}
	db, err := boltdb.Open(path, boltdb.Options{Timeout: time.Second})
	if err != nil {
		if errors.Is(err, boltdb.ErrInUse) {
			return 0, fmt.Errorf("the data directory %s is in use by a process that does not answer on %s; try again once it runs: %w", dataDir, sock, err)
		}
		return 0, err
	}
	defer db.Close()
	return db.Backup(ctx, w)
}

// copyFromSocket streams GET /backup from the admin socket into w and
// compares the server's checksum with sum.
func copyFromSocket(ctx context.Context, sock string, w io.Writer, sum hash.Hash) (int64, error) {
	hc := socketClient(sock)
	// A backup streams the whole database, which can take longer than
	// one admin request may; ctx bounds it instead.
	hc.Timeout = 0
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, adminOrigin+backupPath, nil)
	if err != nil {
		return 0, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("admin socket: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("admin socket: backup answered %s", resp.Status)
	}
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return n, fmt.Errorf("admin socket: %w", err)
	}
	want := resp.Trailer.Get(backupSumTrailer)
	if want == "" {
		return n, errors.New("the server did not finish the copy (see its log)")
	}
	if got := hex.EncodeToString(sum.Sum(nil)); got != want {
		return n, fmt.Errorf("the copy's checksum %s differs from the server's %s", got, want)
	}
	return n, nil
}

// configAndDataDir loads the configuration and returns it with the
// absolute data directory.
func configAndDataDir(e env, configPath string) (Config, string, error) {
	cfg, err := loadConfig(configPath, e.getenv)
	if err != nil {
		return Config{}, "", err
	}
	dataDir, err := filepath.Abs(cfg.Storage.DataDir)
	if err != nil {
		return Config{}, "", fmt.Errorf("storage.data_dir: %w", err)
	}
	return cfg, dataDir, nil
}

// sealingKeyPlace says where the installation's sealing key is.
func sealingKeyPlace(cfg Config, dataDir string) string {
	if cfg.Secrets.Key != "" {
		return "the secrets.key setting"
	}
	return filepath.Join(dataDir, keyFileName)
}

// syncDir makes a rename in dir durable; errors only cost durability
// against a power cut, which the caller cannot mend.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// cmdRestore runs "gatehouse restore".
func cmdRestore(ctx context.Context, e env, args []string) error {
	fs, config := newFlagSet(e, "restore", "restore --from FILE [--force] [--config FILE]")
	from := fs.String("from", "", "the backup `file` to restore; FILE.sha256 must be beside it")
	force := fs.Bool("force", false, "replace the data directory's database (it is kept as gatehouse.db.before-restore)")
	if err := parseFlags(fs, args); err != nil {
		return helpOK(err)
	}
	if strings.TrimSpace(*from) == "" {
		return usagef("restore: --from FILE is required")
	}
	cfg, dataDir, err := configAndDataDir(e, *config)
	if err != nil {
		return err
	}
	if cfg.Storage.Driver == driverPostgres {
		return usagef("restore: %s", errPostgresBackup)
	}
	if err := checkBackup(*from); err != nil {
		return fmt.Errorf("restore: %w; nothing was changed", err)
	}
	if err := ensureDataDir(dataDir); err != nil {
		return err
	}
	target := filepath.Join(dataDir, dbFileName)
	if c, err := net.DialTimeout("unix", filepath.Join(dataDir, adminSocketName), adminDialTimeout); err == nil {
		c.Close()
		return fmt.Errorf("restore: a gatehouse server is running on %s; stop it first; nothing was changed", dataDir)
	}
	exists, err := unlockedFile(target)
	if err != nil {
		return fmt.Errorf("restore: %w; nothing was changed", err)
	}
	if exists && !*force {
		return usagef("restore: %s already holds a database; pass --force to replace it (it is kept as %s)", dataDir, dbFileName+beforeRestoreSuffix)
	}
	if err := placeBackup(*from, target, exists); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	fmt.Fprintf(e.stdout, "restored %s into %s\n", *from, target)
	if exists {
		fmt.Fprintf(e.stdout, "the database it replaced is %s\n", target+beforeRestoreSuffix)
	}
	fmt.Fprintf(e.stdout, "Start the server with the sealing key of the installation the backup comes from (%s).\n", sealingKeyPlace(cfg, dataDir))
	return nil
}

// checkBackup checks a backup before it is restored: its checksum file
// matches it, and it passes the database check.
func checkBackup(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	want, err := readSum(path + sumSuffix)
	if err != nil {
		return err
	}
	sum := sha256.New()
	if _, err := io.Copy(sum, f); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	if got := hex.EncodeToString(sum.Sum(nil)); got != want {
		return fmt.Errorf("%s does not match %s (sha256 %s, want %s): it is damaged or incomplete", path, path+sumSuffix, got, want)
	}
	return boltdb.CheckFile(path)
}

// readSum reads the SHA-256 of a sha256sum-style checksum file.
func readSum(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("the checksum file: %w (backup writes it beside the copy)", err)
	}
	defer f.Close()
	line, err := bufio.NewReader(io.LimitReader(f, 4096)).ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("the checksum file %s is empty", path)
	}
	sum, _, _ := strings.Cut(strings.TrimSpace(line), " ")
	if b, err := hex.DecodeString(sum); err != nil || len(b) != sha256.Size {
		return "", fmt.Errorf("the checksum file %s holds no SHA-256", path)
	}
	return strings.ToLower(sum), nil
}

// unlockedFile reports whether the database file exists, and fails when
// a process holds its lock.
func unlockedFile(path string) (bool, error) {
	f, err := os.OpenFile(path, os.O_RDONLY, 0)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return true, fmt.Errorf("%s is in use by another process (a gatehouse server?); stop it first", path)
	}
	return true, syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
}

// placeBackup copies from next to target durably, keeps the database it
// replaces, and renames the copy into place.
func placeBackup(from, target string, exists bool) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	tmp := target + ".restore"
	os.Remove(tmp)
	dst, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer os.Remove(tmp) // a no-op once renamed
	_, err = io.Copy(dst, src)
	if err == nil {
		err = dst.Sync()
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("copy %s: %w; nothing was changed", from, err)
	}
	if exists {
		if err := os.Rename(target, target+beforeRestoreSuffix); err != nil {
			return fmt.Errorf("keep the current database: %w; nothing was changed", err)
		}
	}
	if err := os.Rename(tmp, target); err != nil {
		return err
	}
	syncDir(filepath.Dir(target))
	return nil
}
