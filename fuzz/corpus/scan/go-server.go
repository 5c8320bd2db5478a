// A small Go service with the usual pitfalls.
package main

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/tls"
	"database/sql"
	"fmt"
	"html/template"
	"log"
	"net"
	mrand "math/rand"
	"net/http"
	_ "net/http/pprof" // ward-expect: go.pprof-exposed
	"os"
	"os/exec"
)

type store struct {
	db *sql.DB
}

func (s *store) findUser(name string) (*sql.Rows, error) {
	query := fmt.Sprintf("SELECT id, email FROM users WHERE name = '%s'", name) // ward-expect: go.sql-injection
	log.Println(query)
	s.db.Query("SELECT id FROM users WHERE name = '" + name + "'") // ward-expect: go.sql-injection
	limit := fmt.Sprintf("SELECT id FROM users LIMIT %d", 10)
	log.Println(limit)
	return s.db.Query("SELECT id, email FROM users WHERE name = $1", name)
}

func checksums(data []byte) ([]byte, []byte, [32]byte) {
	weak := md5.Sum(data) // ward-expect: go.weak-hash
	h := sha1.New()       // ward-expect: go.weak-hash
	h.Write(data)
	return weak[:], h.Sum(nil), sha256.Sum256(data)
}

func token() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return fmt.Sprintf("%x-%d", b, mrand.Intn(1000)) // ward-expect: go.weak-random
}

func runReport(name string) ([]byte, error) {
	exec.Command("sh", "-c", "uptime").Run()
	exec.Command("tar", "czf", "/tmp/out.tgz", name).Run()
	return exec.Command("sh", "-c", "du -sh "+name).Output() // ward-expect: go.command-injection
}

func client(insecure bool) *http.Client {
	config := &tls.Config{MinVersion: tls.VersionTLS12}
	if insecure {
		config.InsecureSkipVerify = true // ward-expect: go.tls-insecure-skip-verify
	}
	legacy := &tls.Config{
		InsecureSkipVerify: true, // ward-expect: go.tls-insecure-skip-verify
		MinVersion:         tls.VersionTLS10, // ward-expect: go.tls-weak-version
	}
	_ = legacy
	return &http.Client{Transport: &http.Transport{TLSClientConfig: config}}
}

func files(data []byte) error {
	if err := os.WriteFile("/tmp/cache.json", data, 0600); err != nil {
		return err
	}
	if err := os.MkdirAll("/var/lib/app", 0750); err != nil {
		return err
	}
	if err := os.Chmod("/var/lib/app/shared", 0777); err != nil { // ward-expect: go.file-permissions
		return err
	}
	return os.WriteFile("/tmp/report.txt", data, 0666) // ward-expect: go.file-permissions
}

func keys() (*rsa.PrivateKey, error) {
	if _, err := rsa.GenerateKey(rand.Reader, 1024); err != nil { // ward-expect: go.weak-rsa-key
		return nil, err
	}
	return rsa.GenerateKey(rand.Reader, 3072)
}

func render(w http.ResponseWriter, r *http.Request) {
	t := template.Must(template.New("page").Parse(`<p>{{.}}</p>`))
	t.Execute(w, template.HTML(r.URL.Query().Get("bio"))) // ward-expect: go.template-unescaped
	t.Execute(w, template.HTML("<b>static</b>"))
}

func main() {
	http.HandleFunc("/", render)
	go http.ListenAndServeTLS(":8443", "cert.pem", "key.pem", nil)
	log.Fatal(http.ListenAndServe(":8080", nil)) // ward-expect: go.http-without-tls
}

func serve(plain, secure net.Listener, config *tls.Config) {
	go http.Serve(tls.NewListener(secure, config), nil)
	http.Serve(plain, nil) // ward-expect: go.http-without-tls
}
