// Request data that flows through variables into sinks (the -flow taint rules), declared with var,
// := and =.
package main

import (
	"database/sql"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"

	"github.com/lib/pq"
)

var db *sql.DB

func lookup(w http.ResponseWriter, r *http.Request) {
	var host = r.URL.Query().Get("host")
	exec.Command("nslookup", host).Run() // ward-expect: go.command-injection-flow
	exec.Command("nslookup", "example.com").Run()
}

func account(w http.ResponseWriter, r *http.Request) {
	var name = r.FormValue("name")
	var query = "SELECT id FROM accounts WHERE name = '" + name + "'"
	db.Query(query) // ward-expect: go.sql-injection-flow
	db.Query("SELECT id FROM accounts WHERE name = $1", name)
	var table = pq.QuoteIdentifier(r.FormValue("table"))
	var listing = "SELECT id FROM " + table
	db.Query(listing)
	var id, _ = strconv.Atoi(r.FormValue("id"))
	db.Exec("DELETE FROM accounts WHERE id = " + strconv.Itoa(id)) // ward-expect: go.sql-injection
}

func download(w http.ResponseWriter, r *http.Request) {
	var file = filepath.Join("/srv/files", r.URL.Query().Get("file"))
	data, _ := os.ReadFile(file) // ward-expect: go.path-traversal-flow
	w.Write(data)
	var base = filepath.Join("/srv/files", filepath.Base(r.URL.Query().Get("file")))
	safe, _ := os.ReadFile(base)
	w.Write(safe)
}

func login(w http.ResponseWriter, r *http.Request) {
	var next = r.URL.Query().Get("next")
	http.Redirect(w, r, next, http.StatusFound) // ward-expect: go.open-redirect-flow
	http.Redirect(w, r, "/home?from="+url.QueryEscape(next), http.StatusFound)
}

func greet(w http.ResponseWriter, r *http.Request) {
	var who = r.URL.Query().Get("who")
	fmt.Fprintf(w, "<p>Hello %s</p>", who) // ward-expect: go.xss-flow
	fmt.Fprintf(w, "<p>Hello %s</p>", html.EscapeString(who))
	fmt.Fprintf(os.Stderr, "greeted %s\n", who)
}

func logs() {
	var dir = os.Getenv("LOG_DIR")
	os.Open(dir + "/app.log") // ward-expect: go.path-traversal-flow
	os.Open("/var/log/app.log")
}

func preview(w http.ResponseWriter, r *http.Request) {
	target := r.URL.Query().Get("url")
	resp, _ := http.Get(target) // ward-expect: go.ssrf-flow
	req, _ := http.NewRequest("GET", target, nil) // ward-expect: go.ssrf-flow
	search, _ := http.Get("https://api.example.com/search?q=" + url.QueryEscape(target))
	status, _ := http.Get("https://api.example.com/status")
	_, _, _, _ = resp, req, search, status
	fmt.Fprint(w, "fetched")
}
