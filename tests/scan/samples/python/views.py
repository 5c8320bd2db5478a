"""Flask request data reaching dangerous sinks: the Python taint rules."""
import os
import pickle
import sqlite3
import subprocess
import urllib.parse
import urllib.request

import ldap
import requests
from flask import Flask, redirect, request, session
from lxml import etree

app = Flask(__name__)


@app.route("/run")
def run_command():
    cmd = request.args.get("c")
    os.system(cmd)  # ward-expect: python.command-injection
    subprocess.run(["echo", "fixed"])
    return "done"


@app.route("/calc")
def calc():
    expression = request.args.get("e", "")
    return str(eval(expression))  # ward-expect: python.code-injection, python.xss


@app.route("/user")
def user():
    name = request.args.get("name")
    db = sqlite3.connect("app.db")
    db.execute("SELECT * FROM users WHERE name = ?", (name,))
    db.execute("SELECT * FROM users WHERE name = '%s'" % name)  # ward-expect: python.sql-injection
    return "ok"


@app.route("/file")
def read_file():
    path = request.args.get("path")
    with open(os.path.join("/srv/files", path)) as f:  # ward-expect: python.path-traversal
        data = f.read()
    return str(len(data))


@app.route("/restore", methods=["POST"])
def restore():
    state = pickle.loads(request.get_data())  # ward-expect: python.unsafe-deserialization
    return str(len(state))


@app.route("/next")
def go_next():
    target = request.args.get("next", "/")
    return redirect(target)  # ward-expect: python.open-redirect


@app.route("/directory")
def directory():
    uid = request.args.get("uid")
    conn = ldap.initialize("ldap://ldap.example.com")
    conn.search_s("ou=people,dc=example,dc=com", ldap.SCOPE_SUBTREE, "(uid=" + uid + ")")  # ward-expect: python.ldap-injection
    return "ok"


@app.route("/lookup")
def lookup():
    name = request.args.get("name")
    root = etree.parse("users.xml")
    root.xpath("//user[@name='" + name + "']")  # ward-expect: python.xpath-injection
    root.xpath("//user[@name=$name]", name=name)
    return "ok"


@app.route("/hello")
def hello():
    name = request.args.get("name", "")
    return "<h1>Hello " + name + "</h1>"  # ward-expect: python.xss


@app.route("/prefs")
def prefs():
    session["theme"] = request.args.get("theme")  # ward-expect: python.trust-boundary
    return "saved"


@app.route("/preview")
def preview():
    target = request.args.get("url")
    page = requests.get(target, timeout=5)  # ward-expect: python.ssrf
    feed = urllib.request.urlopen(request.args["feed"])  # ward-expect: python.ssrf
    search = requests.get("https://api.example.com/search?q=" + urllib.parse.quote(target), timeout=5)
    fixed = requests.get("https://api.example.com/status", timeout=5)
    return str(len(page.content) + len(feed.read()) + len(search.content) + len(fixed.content))


@app.route("/continue")
def continue_to():
    target = request.args.get("next", "/")
    parts = urllib.parse.urlparse(target)
    if parts.netloc not in ["example.com", "www.example.com"] or parts.scheme != "https":
        return "unknown destination"
    return redirect(target)
